import { errors } from '../../../infrastructure/errors/error-codes';
import type { Logger } from '../../../infrastructure/logging/logger';
import type { TenantDatabase } from '../../../infrastructure/database/scoped-database';
import { IdentityStore } from '../store/identity-store';
import { decoyPasswordHash, PASSWORD_MAX_LENGTH, verifyPassword } from './passwords';
import type { TenantDirectory } from './tenant-directory';
import type { IssuedTokens, TokenIssuer } from './token-issuer';
import type { User } from './user';
import { toUser } from './user-mapping';

export interface SignInCommand {
  email: string;
  password: string;
  /** Omitted for platform users. */
  tenantSlug?: string | null;
}

const SIGN_IN_FAILED = 'sign-in failed: the e-mail, password or tenant is not right';

/** Sign-in. Every failure before the password is known to be right looks and costs the same. */
export class AuthenticationService {
  constructor(
    private readonly database: TenantDatabase,
    private readonly tenants: TenantDirectory,
    private readonly tokens: TokenIssuer,
    private readonly logger: Logger,
  ) {}

  async signIn(input: SignInCommand): Promise<IssuedTokens & { user: User }> {
    if (input.password.length > PASSWORD_MAX_LENGTH) throw errors.unauthenticated(SIGN_IN_FAILED);
    const tenant = input.tenantSlug ? await this.tenants.findBySlug(input.tenantSlug.trim()) : null;
    const tenantMissing = Boolean(input.tenantSlug) && tenant === null;
    // Before sign-in there is no principal: the lookup runs in the named tenant's scope, or platform scope for platform users.
    const scope = tenant ? this.database.forTenant(tenant.id) : this.database.asPlatform('sign-in of a platform user');
    const row = tenantMissing ? null : await new IdentityStore(scope).findUserByEmail(tenant?.id ?? null, input.email.trim().toLowerCase());
    // Always run argon2, against a decoy when there is no account, so timing does not reveal which e-mails exist.
    const passwordOk = await verifyPassword(row?.passwordHash ?? (await decoyPasswordHash()), input.password);
    if (!row || !passwordOk) {
      this.logger.info('sign-in refused', { reason: row ? 'wrong password' : 'unknown account', tenantSlug: input.tenantSlug ?? null });
      throw errors.unauthenticated(SIGN_IN_FAILED);
    }
    if (row.status !== 'ACTIVE') throw errors.unauthenticated('sign-in failed: this account is not active');
    if (tenant && tenant.status !== 'ACTIVE') throw errors.tenantSuspended(tenant.slug);
    const user = toUser(row);
    const issued = await this.tokens.issue(user);
    this.logger.info('signed in', { userId: user.id, tenantId: user.tenantId });
    return { ...issued, user };
  }
}
