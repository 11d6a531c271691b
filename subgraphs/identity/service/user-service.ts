import type DataLoader from 'dataloader';
import { scopedGrantsFor } from '../../../infrastructure/authorization/grants';
import { PERMISSIONS, hasPermission, reachesEveryTenant, requireSignedIn, requireTenantAccess, type Permission } from '../../../infrastructure/authorization/permissions';
import type { RequestContext } from '../../../infrastructure/context/request-context';
import { errors } from '../../../infrastructure/errors/error-codes';
import type { EventType } from '../../../infrastructure/events/event-types';
import type { RequestEvents } from '../../../infrastructure/events/outbox/request-events';
import { uuid7 } from '../../../infrastructure/events/uuid7';
import { byIdLoader } from '../../../infrastructure/graphql/by-id-loader';
import { parsePageRequest, toPage, type Page } from '../../../infrastructure/graphql/pagination';
import type { Logger } from '../../../infrastructure/logging/logger';
import { DuplicateEmailError, type IdentityStore, type UserChanges, type UserFilter, type UserScope } from '../store/identity-store';
import type { UserStatusValue } from '../store/user.entity';
import { administeredScope, checkRolePlacement, checkWithinScope, isInside, resolvePlacement } from './membership';
import { checkPasswordPolicy } from './password-policy';
import { hashPassword } from './passwords';
import type { RoleName } from './roles';
import type { TenantDirectory } from './tenant-directory';
import type { User } from './user';
import { toUser } from './user-mapping';
import { normalizeEmail, validateDisplayName, validateRoles, validateUserFilter } from './user-rules';

export interface UpdateUserCommand {
  id: string;
  displayName?: string | null;
  organizationId?: string | null;
  departmentId?: string | null;
  roles?: string[] | null;
  expectedVersion?: number | null;
}

type StatusChange = 'suspended' | 'reactivated' | 'deleted';

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
    private readonly events: RequestEvents,
    private readonly request: RequestContext,
    private readonly logger: Logger,
  ) {
    this.byId = byIdLoader(async (ids) => (await store.findUsersByIds(ids)).map(toUser), 'User');
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

  /**
   * `user(id)`: one user the caller could list with `users` (their own tenant, any with platform:admin; a scoped
   * reader only inside their organizations and departments), and not deleted. Anything else is NOT_FOUND, exactly
   * like an unknown id, so probing ids tells nothing about other tenants.
   */
  async find(id: string): Promise<User> {
    requireSignedIn(this.principal);
    const user = await this.byId.load(id);
    const readable =
      user !== null &&
      user.status !== 'DELETED' &&
      this.reaches(user.tenantId, PERMISSIONS.usersRead) &&
      isInside(await administeredScope(this.principal, this.tenants, PERMISSIONS.usersRead), user);
    if (!user || !readable) throw errors.notFound('user', id);
    return user;
  }

  /** Users of one tenant: the caller's own by default; another tenant needs platform:admin. */
  async list(args: { tenantId?: string | null; first?: number | null; after?: string | null; filter?: UserFilter | null }): Promise<Page<User>> {
    const page = parsePageRequest(args.first, args.after);
    requireSignedIn(this.principal);
    const tenantId = args.tenantId ?? this.principal.tenantId;
    const scope = await this.scopeFor(tenantId, PERMISSIONS.usersRead);
    const filter = validateUserFilter('filter', args.filter);
    const rows = await this.store.listUsers(tenantId, page.afterKey, page.limit + 1, scope, filter);
    return toPage(rows.map(toUser), page, (u) => u.id, (u) => u);
  }

  async create(input: CreateUserCommand): Promise<User> {
    requireSignedIn(this.principal);
    const tenantId = input.tenantId ?? null;
    // Authorisation first: a caller who may not create users there learns nothing about the input or the tenant.
    const scope = await this.scopeFor(tenantId, PERMISSIONS.usersWrite);
    const { email, normalized } = normalizeEmail('input.email', input.email);
    const displayName = validateDisplayName('input.displayName', input.displayName);
    checkPasswordPolicy('input.password', input.password, email);
    const roles = validateRoles('input.roles', input.roles, tenantId === null);
    if (tenantId !== null) {
      const tenant = await this.tenants.findById(tenantId);
      if (!tenant) throw errors.notFound('tenant', tenantId);
      if (tenant.status !== 'ACTIVE') throw errors.forbidden(`tenant ${JSON.stringify(tenant.slug)} is suspended; no users can be added`);
    }
    const placement = await resolvePlacement(tenantId, input, this.tenants);
    checkRolePlacement(roles, placement);
    checkWithinScope(scope, roles, placement);
    const now = new Date();
    const user: User = { id: uuid7(), tenantId, ...placement, email, displayName, status: 'ACTIVE', roles, version: 1, createdAt: now };
    const passwordHash = await hashPassword(input.password);
    try {
      await this.events.transaction(async () => {
        await this.store.insertUser({ ...user, emailNormalized: normalized, passwordHash, updatedAt: now });
        await this.record('identity.user.created', user, { email: user.email, displayName: user.displayName, roles: user.roles });
      });
    } catch (error) {
      if (error instanceof DuplicateEmailError) {
        throw errors.conflict(`a user with e-mail ${JSON.stringify(email)} already exists in ${tenantId ? 'this tenant' : 'the platform scope'}`);
      }
      throw error;
    }
    this.logger.info('user created', { userId: user.id, tenantId });
    return user;
  }

  /**
   * Changes a user's name, placement or roles. Placement and roles follow the rules of createUser (and a scoped
   * admin's limits apply to the user both before and after). A stale expectedVersion is CONFLICT.
   */
  async update(input: UpdateUserCommand): Promise<User> {
    const user = await this.managed(input.id);
    const changes: UserChanges = {};
    if (input.displayName !== undefined && input.displayName !== null) changes.displayName = validateDisplayName('input.displayName', input.displayName);
    const moving = input.organizationId !== undefined || input.departmentId !== undefined;
    const placement = moving
      ? await resolvePlacement(user.tenantId, { organizationId: input.organizationId ?? null, departmentId: input.departmentId ?? null }, this.tenants)
      : { organizationId: user.organizationId, departmentId: user.departmentId };
    const roles = input.roles ? validateRoles('input.roles', input.roles, user.tenantId === null) : (user.roles as RoleName[]);
    if (moving || input.roles) {
      checkRolePlacement(roles, placement);
      checkWithinScope(await this.scopeFor(user.tenantId, PERMISSIONS.usersWrite), roles, placement);
      if (moving) Object.assign(changes, placement);
      if (input.roles) changes.roles = roles;
    }
    if (input.roles && user.id === this.principal.subject) throw errors.forbidden('you cannot change your own roles');
    if (Object.keys(changes).length === 0) throw errors.badInput('input', 'nothing to change: give displayName, organizationId, departmentId or roles');
    const row = await this.events.transaction(async () => {
      const updated = await this.store.updateUser(user.id, changes, input.expectedVersion ?? null);
      if (updated) await this.record('identity.user.updated', toUser(updated), { changed: Object.keys(changes).sort() });
      return updated;
    });
    if (!row) {
      const current = (await this.store.findUsersByIds([user.id]))[0];
      if (!current || current.status === 'DELETED') throw errors.notFound('user', user.id);
      throw errors.conflict(`user ${JSON.stringify(user.id)} is at version ${current.version}, not ${input.expectedVersion}; reload it and retry`);
    }
    return toUser(row);
  }

  /** Suspends a user: sign-in and refresh are refused and their sessions revoked. Suspending a suspended user is done. */
  suspend(id: string): Promise<User> {
    return this.changeStatus(id, ['ACTIVE'], 'SUSPENDED', 'suspended');
  }

  reactivate(id: string): Promise<User> {
    return this.changeStatus(id, ['SUSPENDED'], 'ACTIVE', 'reactivated');
  }

  /** Soft delete: the row stays for audit trails, the user can never sign in again, and the e-mail is free. */
  delete(id: string): Promise<User> {
    return this.changeStatus(id, ['ACTIVE', 'SUSPENDED', 'DEACTIVATED'], 'DELETED', 'deleted');
  }

  private async changeStatus(id: string, from: readonly UserStatusValue[], to: UserStatusValue, change: StatusChange): Promise<User> {
    const user = await this.managed(id);
    if (user.id === this.principal.subject) throw errors.forbidden(`you cannot mark your own account ${change}`);
    if (user.status === to) return user;
    const row = await this.events.transaction(async () => {
      const moved = await this.store.transitionStatus(user.id, from, to);
      if (!moved) return null;
      if (to !== 'ACTIVE') await this.store.revokeAllSessions(user.id);
      await this.record(`identity.user.${change}`, toUser(moved), { status: moved.status });
      return moved;
    });
    if (!row) {
      // Another request moved it first; answer with where it is now, or NOT_FOUND once it is deleted.
      const current = (await this.store.findUsersByIds([user.id]))[0];
      if (!current || current.status === 'DELETED') throw errors.notFound('user', user.id);
      if (current.status === to) return toUser(current);
      throw errors.conflict(`user ${JSON.stringify(user.id)} is ${current.status}; it cannot be ${change}`);
    }
    const changed = toUser(row);
    this.logger.info(`user ${change}`, { userId: changed.id, tenantId: changed.tenantId });
    return changed;
  }

  /**
   * Which of `tenantId`'s users the caller reaches with `permission`: the tenant (narrowed for built-in scoped
   * admins), or, holding it only through roles assigned at organizations and departments, those units. Another
   * tenant, or no such permission at all, is FORBIDDEN.
   */
  private async scopeFor(tenantId: string | null, permission: Permission): Promise<UserScope> {
    requireSignedIn(this.principal);
    // Not reached: requireTenantAccess throws the FORBIDDEN that says why (another tenant, or no such permission).
    if (!this.reaches(tenantId, permission)) requireTenantAccess(this.principal, tenantId, permission);
    return administeredScope(this.principal, this.tenants, permission);
  }

  /** Does the caller reach any of `tenantId`'s users with `permission`: tenant-wide, through roles assigned at its units, or as platform admin? */
  private reaches(tenantId: string | null, permission: Permission): boolean {
    if (reachesEveryTenant(this.principal)) return true;
    if (tenantId === null || tenantId !== this.principal.tenantId) return false;
    return hasPermission(this.principal, permission) || scopedGrantsFor(this.principal, permission).length > 0;
  }

  /**
   * A user the caller may manage. Not visible (another tenant, deleted, unknown) is NOT_FOUND, all alike;
   * visible without users:write, or outside a scoped admin's organization or department subtree, is FORBIDDEN.
   */
  private async managed(id: string): Promise<User> {
    requireSignedIn(this.principal);
    const user = await this.byId.load(id);
    const visible = user !== null && user.status !== 'DELETED' && (hasPermission(this.principal, PERMISSIONS.platformAdmin) || user.tenantId === this.principal.tenantId);
    if (!user || !visible) throw errors.notFound('user', id);
    const scope = await this.scopeFor(user.tenantId, PERMISSIONS.usersWrite);
    if (!isInside(scope, user)) throw errors.forbidden('you can only manage users inside the organizations and departments you administer');
    // A scoped admin manages members (and, for organization admins, department admins), never their peers.
    if (scope.kind !== 'tenant') checkWithinScope(scope, user.roles as RoleName[], { organizationId: user.organizationId, departmentId: user.departmentId });
    return user;
  }

  /** Inside the change's unit of work: the event commits with it or not at all. */
  private async record(type: EventType, user: User, data: Record<string, unknown>): Promise<void> {
    await this.events.record({ type, aggregateType: 'User', aggregateId: user.id, tenantId: user.tenantId, data });
  }

}
