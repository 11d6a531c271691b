import type DataLoader from 'dataloader';
import { PERMISSIONS, hasPermission, requireSignedIn, requireTenantAccess } from '../../../infrastructure/authorization/permissions';
import type { RequestContext } from '../../../infrastructure/context/request-context';
import { errors } from '../../../infrastructure/errors/error-codes';
import { createDomainEvent, type EventBus } from '../../../infrastructure/events';
import { eventMetadataOf } from '../../../infrastructure/events/request-metadata';
import { uuid7 } from '../../../infrastructure/events/uuid7';
import { byIdLoader } from '../../../infrastructure/graphql/by-id-loader';
import { parsePageRequest, toPage, type Page } from '../../../infrastructure/graphql/pagination';
import type { Logger } from '../../../infrastructure/logging/logger';
import { DuplicateEmailError, type IdentityStore } from '../store/identity-store';
import { administeredScope, checkRolePlacement, checkWithinScope, resolvePlacement } from './membership';
import { hashPassword, validatePassword } from './passwords';
import type { TenantDirectory } from './tenant-directory';
import type { User } from './user';
import { toUser } from './user-mapping';
import { normalizeEmail, validateDisplayName, validateRoles } from './user-rules';

export interface CreateUserCommand {
  tenantId?: string | null;
  email: string;
  displayName: string;
  password: string;
  roles?: string[] | null;
  organizationId?: string | null;
  departmentId?: string | null;
}

/** Identity use cases about users, for one request. */
export class UserService {
  private readonly byId: DataLoader<string, User | null>;

  constructor(
    private readonly store: IdentityStore,
    private readonly tenants: TenantDirectory,
    private readonly bus: EventBus,
    private readonly request: RequestContext,
    private readonly logger: Logger,
  ) {
    this.byId = byIdLoader(async (ids) => (await store.findUsersByIds(ids)).map(toUser));
  }

  private get principal() {
    return this.request.principal;
  }

  async me(): Promise<User> {
    requireSignedIn(this.principal);
    if (this.principal.kind !== 'USER') throw errors.forbidden('`me` is only available to signed-in users');
    const user = await this.byId.load(this.principal.subject);
    if (!user || user.status !== 'ACTIVE') throw errors.unauthenticated('this account is no longer active; sign in again');
    return user;
  }

  /** Another subgraph's reference to a user: visible within the caller's tenant, or to platform readers. */
  async resolveReference(id: string): Promise<User | null> {
    requireSignedIn(this.principal);
    const user = await this.byId.load(id);
    if (!user) return null;
    const visible = hasPermission(this.principal, PERMISSIONS.platformAdmin) || (user.tenantId !== null && user.tenantId === this.principal.tenantId);
    return visible ? user : null;
  }

  /** Users of one tenant: the caller's own by default; another tenant needs platform:admin. */
  async list(args: { tenantId?: string | null; first?: number | null; after?: string | null }): Promise<Page<User>> {
    const page = parsePageRequest(args.first, args.after);
    requireSignedIn(this.principal);
    const tenantId = args.tenantId ?? this.principal.tenantId;
    requireTenantAccess(this.principal, tenantId, PERMISSIONS.usersRead);
    const scope = await administeredScope(this.principal, this.tenants);
    const rows = await this.store.listUsers(tenantId, page.afterKey, page.limit + 1, scope);
    return toPage(rows.map(toUser), page, (u) => u.id, (u) => u);
  }

  async create(input: CreateUserCommand): Promise<User> {
    requireSignedIn(this.principal);
    const tenantId = input.tenantId ?? null;
    // Authorisation first: a caller who may not create users there learns nothing about the input or the tenant.
    requireTenantAccess(this.principal, tenantId, PERMISSIONS.usersWrite);
    const { email, normalized } = normalizeEmail('input.email', input.email);
    const displayName = validateDisplayName('input.displayName', input.displayName);
    validatePassword('input.password', input.password);
    const roles = validateRoles('input.roles', input.roles, tenantId === null);
    if (tenantId !== null) {
      const tenant = await this.tenants.findById(tenantId);
      if (!tenant) throw errors.notFound('tenant', tenantId);
      if (tenant.status !== 'ACTIVE') throw errors.forbidden(`tenant ${JSON.stringify(tenant.slug)} is suspended; no users can be added`);
    }
    const placement = await resolvePlacement(tenantId, input, this.tenants);
    checkRolePlacement(roles, placement);
    checkWithinScope(await administeredScope(this.principal, this.tenants), roles, placement);
    const now = new Date();
    const user: User = { id: uuid7(), tenantId, ...placement, email, displayName, status: 'ACTIVE', roles, version: 1, createdAt: now };
    try {
      await this.store.insertUser({
        ...user,
        emailNormalized: normalized,
        passwordHash: await hashPassword(input.password),
        updatedAt: now,
      });
    } catch (error) {
      if (error instanceof DuplicateEmailError) {
        throw errors.conflict(`a user with e-mail ${JSON.stringify(email)} already exists in ${tenantId ? 'this tenant' : 'the platform scope'}`);
      }
      throw error;
    }
    this.logger.info('user created', { userId: user.id, tenantId });
    await this.publishCreated(user);
    return user;
  }

  // Until the transactional outbox lands (events issue), publishing happens after commit and a crash in between loses the event.
  private async publishCreated(user: User): Promise<void> {
    const event = createDomainEvent({
      type: 'identity.user.created',
      source: 'identity',
      aggregateType: 'User',
      aggregateId: user.id,
      aggregateVersion: user.version,
      tenantId: user.tenantId,
      ...eventMetadataOf(this.request),
      data: { email: user.email, displayName: user.displayName, roles: user.roles },
    });
    await this.bus.publish(event).catch((error: unknown) => this.logger.error('could not publish event', { type: event.type, error }));
  }
}
