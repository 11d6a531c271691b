import { requireSignedIn } from '../../../infrastructure/authorization/permissions';
import type { RequestContext } from '../../../infrastructure/context/request-context';
import { errors } from '../../../infrastructure/errors/error-codes';
import type { Logger } from '../../../infrastructure/logging/logger';
import type { TenantDatabase } from '../../../infrastructure/database/scoped-database';
import { IdentityStore } from '../store/identity-store';
import { SessionStore } from '../store/session-store';
import type { UserEntity } from '../store/user.entity';
import { checkPasswordPolicy } from './password-policy';
import { decoyPasswordHash, hashPassword, PASSWORD_MAX_LENGTH, verifyPassword } from './passwords';
import type { SessionEvents } from './session-events';
import type { SessionService } from './session-service';
import { accountKeyOf, type AccountScope, type SignInThrottle, type ThrottledAttempt } from './sign-in-throttle';
import type { TenantDirectory } from './tenant-directory';
import type { IssuedTokens } from './token-issuer';
import type { User } from './user';
import { toUser } from './user-mapping';

export interface SignInCommand {
  email: string;
  password: string;
  /** Omitted for platform users. */
  tenantSlug?: string | null;
}

export interface ChangePasswordCommand {
  currentPassword: string;
  newPassword: string;
}

/** One message for every refusal before the password is known to be right, locks included: it reveals nothing. */
const SIGN_IN_FAILED = 'sign-in failed: the e-mail, password or tenant is not right; after repeated failures sign-in is paused for a while';
const CURRENT_PASSWORD_WRONG = 'the current password is not right; after repeated failures password changes are paused for a while';
/** Says nothing about any account, only about the caller's own address, so it may differ from SIGN_IN_FAILED. */
const ADDRESS_LIMITED = 'too many failed sign-ins from this address; try again later';

/**
 * Sign-in and password changes, for one request. Every failure before the password is known to be right looks
 * the same, and costs the same whether or not the account exists; repeated failures lock the account (existing
 * or not) and the client address for a while (see SignInThrottle).
 */
export class AuthenticationService {
  constructor(
    private readonly database: TenantDatabase,
    private readonly tenants: TenantDirectory,
    private readonly sessions: SessionService,
    private readonly throttle: SignInThrottle,
    private readonly events: SessionEvents,
    private readonly request: RequestContext,
    private readonly logger: Logger,
  ) {}

  async signIn(input: SignInCommand): Promise<IssuedTokens & { user: User }> {
    if (input.password.length > PASSWORD_MAX_LENGTH) throw errors.unauthenticated(SIGN_IN_FAILED);
    const slug = input.tenantSlug ? input.tenantSlug.trim() : null;
    const tenant = slug !== null ? await this.tenants.findBySlug(slug) : null;
    const email = input.email.trim().toLowerCase();
    const account: AccountScope = tenant ? { tenantId: tenant.id } : slug !== null ? { unknownTenantSlug: slug } : 'platform';
    const attempt = await this.throttle.begin(this.request, accountKeyOf(account, email));
    if (attempt.verdict === 'ip-limited') throw errors.rateLimited(ADDRESS_LIMITED);
    if (attempt.verdict === 'account-locked') {
      // No argon2 here: a lock looks the same for existing and unknown accounts, so skipping it reveals nothing.
      this.logger.info('sign-in refused', { reason: 'account locked', tenantSlug: input.tenantSlug ?? null });
      await this.events.signInFailed(tenant?.id ?? null, null, 'account-locked');
      throw errors.unauthenticated(SIGN_IN_FAILED);
    }
    // Before sign-in there is no principal: the lookup runs in the named tenant's scope, or platform scope for platform users.
    const scope = tenant ? this.database.forTenant(tenant.id) : this.database.asPlatform('sign-in of a platform user');
    const row = slug !== null && tenant === null ? null : await new IdentityStore(scope).findUserByEmail(tenant?.id ?? null, email);
    // Always run argon2, against a decoy when there is no account, so timing does not reveal which e-mails exist.
    const passwordOk = await verifyPassword(row?.passwordHash ?? (await decoyPasswordHash()), input.password);
    if (!row || !passwordOk) {
      this.logger.info('sign-in refused', { reason: row ? 'wrong password' : 'unknown account', tenantSlug: input.tenantSlug ?? null });
      await this.events.signInFailed(tenant?.id ?? null, row?.id ?? null, row ? 'incorrect-password' : 'unknown-account');
      await this.failed(attempt, row);
      throw errors.unauthenticated(SIGN_IN_FAILED);
    }
    await this.throttle.succeeded(attempt);
    if (row.status !== 'ACTIVE') {
      await this.events.signInFailed(row.tenantId, row.id, 'not-active');
      throw errors.unauthenticated('sign-in failed: this account is not active');
    }
    if (tenant && tenant.status !== 'ACTIVE') throw errors.tenantSuspended(tenant.slug);
    const user = toUser(row);
    const issued = await this.sessions.open(user);
    this.logger.info('signed in', { userId: user.id, tenantId: user.tenantId });
    return { ...issued, user };
  }

  /**
   * Replaces the caller's password. A wrong current password is FORBIDDEN, not UNAUTHENTICATED: the caller's
   * token is fine and a client must not drop its session over a typo. Wrong guesses count against the same
   * account lock as sign-in, so a stolen access token is no way around it. The caller's other sessions end;
   * the current one stays.
   */
  async changePassword(input: ChangePasswordCommand): Promise<boolean> {
    const { principal } = this.request;
    requireSignedIn(principal);
    if (principal.kind !== 'USER') throw errors.forbidden('only a signed-in user can change their password');
    const db = this.database.forRequest(this.request);
    const row = (await new IdentityStore(db).findUsersByIds([principal.subject]))[0];
    if (!row || row.status !== 'ACTIVE') throw errors.unauthenticated('this account is no longer active; sign in again');
    checkPasswordPolicy('input.newPassword', input.newPassword, row.email);
    if (input.currentPassword.length > PASSWORD_MAX_LENGTH) throw errors.forbidden(CURRENT_PASSWORD_WRONG);
    const attempt = await this.throttle.begin(this.request, accountKeyOf(row.tenantId ? { tenantId: row.tenantId } : 'platform', row.emailNormalized));
    if (attempt.verdict === 'ip-limited') throw errors.rateLimited(ADDRESS_LIMITED);
    if (attempt.verdict === 'account-locked') throw errors.forbidden(CURRENT_PASSWORD_WRONG);
    if (!(await verifyPassword(row.passwordHash, input.currentPassword))) {
      this.logger.info('password change refused', { reason: 'wrong current password', userId: row.id });
      await this.failed(attempt, row);
      throw errors.forbidden(CURRENT_PASSWORD_WRONG);
    }
    await this.throttle.succeeded(attempt);
    if (input.newPassword === input.currentPassword) throw errors.badInput('input.newPassword', 'must differ from the current password');
    const newHash = await hashPassword(input.newPassword);
    const changed = await db.run(async () => {
      const replaced = await new SessionStore(db).replacePassword(row.id, row.version, newHash, principal.sessionId ?? null);
      if (replaced) {
        await this.events.passwordChanged({ id: row.id, tenantId: row.tenantId }, replaced.revokedSessions.length);
        await this.events.sessionsRevoked({ id: row.id, tenantId: row.tenantId }, replaced.revokedSessions, 'password-changed');
      }
      return replaced;
    });
    if (!changed) throw errors.conflict('the account changed while its password was being changed; try again');
    this.logger.info('password changed', { userId: row.id, otherSessionsRevoked: changed.revokedSessions.length });
    return true;
  }

  private async failed(attempt: ThrottledAttempt, row: UserEntity | null): Promise<void> {
    if (!(await this.throttle.failed(attempt))) return;
    const { accountThreshold, windowSeconds } = this.throttle.settings;
    this.logger.warn('account locked after repeated failed sign-ins', { userId: row?.id ?? null, lockedForSeconds: windowSeconds });
    if (row) await this.events.lockedOut(row, accountThreshold, windowSeconds);
  }
}
