import { createHash } from 'node:crypto';
import { requireSignedIn } from '../../../infrastructure/authorization/permissions';
import { uuid7 } from '../../../infrastructure/events/uuid7';
import type { RequestContext } from '../../../infrastructure/context/request-context';
import type { TenantDatabase } from '../../../infrastructure/database/scoped-database';
import { errors } from '../../../infrastructure/errors/error-codes';
import type { Logger } from '../../../infrastructure/logging/logger';
import { IdentityStore } from '../store/identity-store';
import type { RefreshTokenEntity } from '../store/refresh-token.entity';
import { SessionStore } from '../store/session-store';
import type { SessionEvents } from './session-events';
import type { TenantDirectory } from './tenant-directory';
import type { IssuedTokens, TokenIssuer } from './token-issuer';
import type { User } from './user';
import { toUser } from './user-mapping';

/** Longer than any token identity issues (43 characters): anything longer is refused before a hash or a query. */
const MAX_REFRESH_TOKEN_LENGTH = 256;
/** One answer for unknown, expired, revoked and reused tokens: the caller learns nothing about which it was. */
const REFRESH_REFUSED = 'the refresh token is not valid; sign in again';

/** How refresh tokens are stored (TokenIssuer.issue writes them the same way): SHA-256, hex. */
export const hashRefreshToken = (token: string) => createHash('sha256').update(token).digest('hex');

/**
 * Sessions, for one request. A session is a family of refresh tokens started by one sign-in: each token is
 * single use and is replaced by a successor on exchange. Presenting a token that was already used means two
 * parties hold the session (one of them stole it), so the whole family is revoked.
 */
export class SessionService {
  constructor(
    private readonly database: TenantDatabase,
    private readonly tenants: TenantDirectory,
    private readonly tokens: TokenIssuer,
    private readonly events: SessionEvents,
    private readonly request: RequestContext,
    private readonly logger: Logger,
  ) {}

  /** Starts a session for a user whose password was just verified: the first refresh token and an access token. */
  /** A new session for a user who just proved who they are; its sign-in is recorded in the same unit of work. */
  open(user: User): Promise<IssuedTokens> {
    const sessionId = uuid7();
    return this.database.asPlatform('open a session', this.request).run(async () => {
      const issued = await this.tokens.issue(user, sessionId);
      await this.events.signInSucceeded(user, sessionId);
      return issued;
    });
  }

  /** Exchanges a refresh token for a successor and a new access token, with the user's current roles. */
  async refresh(refreshToken: string): Promise<IssuedTokens & { user: User }> {
    if (refreshToken.length === 0 || refreshToken.length > MAX_REFRESH_TOKEN_LENGTH) throw errors.unauthenticated(REFRESH_REFUSED);
    // No tenant is known until the token is: look it up, and write, in an audited platform scope.
    const scope = this.database.asPlatform('refresh-token exchange', this.request);
    const sessions = new SessionStore(scope);
    const presented = await sessions.findTokenByHash(hashRefreshToken(refreshToken));
    if (!presented || presented.revokedAt !== null) throw errors.unauthenticated(REFRESH_REFUSED);
    if (presented.usedAt !== null) return this.refuseReuse(sessions, presented);
    if (presented.expiresAt.getTime() <= Date.now()) throw errors.unauthenticated(REFRESH_REFUSED);

    // Refusals below write nothing: the session stays as it was, so a reactivated user or tenant can continue it.
    const row = (await new IdentityStore(scope).findUsersByIds([presented.userId]))[0];
    if (!row || row.status !== 'ACTIVE') throw errors.unauthenticated('this account is no longer active; sign in again');
    if (row.tenantId !== null) {
      const tenant = await this.tenants.findById(row.tenantId);
      if (!tenant) throw errors.unauthenticated(REFRESH_REFUSED);
      if (tenant.status !== 'ACTIVE') throw errors.tenantSuspended(tenant.slug);
    }
    const user = toUser(row);
    // issue() stores the successor through its own platform-scope store, which joins this unit of work: the
    // presented token is consumed and replaced in one transaction, or neither happens.
    const issued = await scope.run(async () => {
      if (!(await sessions.consume(presented.id))) return null;
      const tokens = await this.tokens.issue(user, presented.familyId);
      await this.events.sessionRefreshed(user, presented.familyId);
      return tokens;
    });
    // Another exchange of the same token won since the lookup: this one is a reuse.
    if (!issued) return this.refuseReuse(sessions, presented);
    return { ...issued, user };
  }

  /** Ends the caller's current session. True when it was still live, false when it had already ended. */
  async signOut(): Promise<boolean> {
    const { subject, sessionId } = this.signedInUser();
    // Access tokens issued before sessions existed carry no session id: there is nothing to end.
    if (!sessionId) return false;
    const db = this.database.forRequest(this.request);
    const ended = await db.run(async () => {
      const revoked = await new SessionStore(db).revokeSession(sessionId, subject);
      if (revoked) await this.events.sessionsRevoked({ id: subject, tenantId: this.request.principal.tenantId }, [sessionId], 'signed-out');
      return revoked;
    });
    if (ended) this.logger.info('signed out', { userId: subject, sessionId });
    return ended;
  }

  /** Ends every session of the caller, the current one included; returns how many were still live. */
  async signOutEverywhere(): Promise<number> {
    const { subject } = this.signedInUser();
    const db = this.database.forRequest(this.request);
    const ended = await db.run(async () => {
      const revoked = await new SessionStore(db).revokeSessionsOf(subject, null);
      await this.events.sessionsRevoked({ id: subject, tenantId: this.request.principal.tenantId }, revoked, 'signed-out-everywhere');
      return revoked;
    });
    this.logger.info('signed out everywhere', { userId: subject, sessions: ended.length });
    return ended.length;
  }

  private signedInUser(): { subject: string; sessionId: string | null } {
    const { principal } = this.request;
    requireSignedIn(principal);
    if (principal.kind !== 'USER') throw errors.forbidden('only a signed-in user has sessions to end');
    return { subject: principal.subject, sessionId: principal.sessionId ?? null };
  }

  private async refuseReuse(sessions: SessionStore, presented: RefreshTokenEntity): Promise<never> {
    const user = { id: presented.userId, tenantId: presented.tenantId };
    await this.database.asPlatform('refresh-token reuse', this.request).run(async () => {
      const wasLive = await sessions.revokeSession(presented.familyId, presented.userId);
      // The security event is recorded on every replay; the revocation only when the session was still live.
      await this.events.refreshTokenReused(user, presented.familyId);
      if (wasLive) await this.events.sessionsRevoked(user, [presented.familyId], 'refresh-token-reused');
    });
    this.logger.warn('refresh token used twice: session revoked', { userId: presented.userId, sessionId: presented.familyId, requestId: this.request.requestId });
    throw errors.unauthenticated(REFRESH_REFUSED);
  }
}
