import type { DomainEvent } from '../../infrastructure/events';
import { LruMap } from '../../infrastructure/cache/lru-map';
import { GATEWAY_DEFAULTS } from '../../infrastructure/config/config';
import { errors } from '../../infrastructure/errors/error-codes';
import type { Principal } from '../../infrastructure/context/request-context';

/** Identity's events that end access before the access tokens already issued expire. */
export const ACCESS_REVOCATION_EVENTS = 'identity.*';
// A password change ends the user's other sessions one by one (identity.session.revoked), keeping the current one.
const REVOKING_USER = new Set(['identity.user.suspended', 'identity.user.deleted']);

/** The longest access-token lifetime `LATTICE_ACCESS_TOKEN_TTL` allows. */
export const ACCESS_TOKEN_MAX_TTL_SECONDS = 3600;


/**
 * Access tokens are not looked up per request, so a token stays valid until it expires. This closes most of that
 * gap: every gateway hears identity's revocation events and refuses, until the token lifetime has passed,
 *  - a session that was signed out or revoked (its `sid`), and
 *  - tokens issued before a user was suspended, deleted or changed their password.
 * A gateway that starts after the event did not hear it; for it the bound stays the token lifetime.
 */
export class AccessRevocations {
  private readonly sessions: LruMap<string, number>;
  /** User id → when access was ended, and until when that matters (the last token issued before it expires by then). */
  private readonly users: LruMap<string, { at: number; until: number }>;

  /** `maxEntries`: how many revoked sessions and users are remembered; each entry lives at most one token lifetime. */
  constructor(
    private readonly tokenLifetimeMs: number,
    maxEntries: number = GATEWAY_DEFAULTS.caches.revocations,
  ) {
    this.sessions = new LruMap(maxEntries);
    this.users = new LruMap(maxEntries);
  }

  apply(event: DomainEvent): void {
    const now = Date.now();
    const until = now + this.tokenLifetimeMs;
    if (event.type === 'identity.session.revoked') {
      this.sessions.set(event.aggregateId, until);
    } else if (REVOKING_USER.has(event.type)) {
      // Whole seconds, like a token's iat: a token issued in the same second as the change counts as before it.
      this.users.set(event.aggregateId, { at: Math.floor(Date.parse(event.occurredAt) / 1000) * 1000, until });
    }
  }

  /** Refuses a principal whose session or user access has been revoked since its token was issued. */
  check(principal: Principal, issuedAtMs: number | undefined): void {
    if (principal.kind !== 'USER' || principal.subject === null) return;
    const now = Date.now();
    if (principal.sessionId) {
      const until = this.sessions.get(principal.sessionId);
      if (until !== undefined && now < until) throw errors.unauthenticated('this session has ended; sign in again');
    }
    const user = this.users.get(principal.subject);
    if (user && now < user.until && (issuedAtMs === undefined || issuedAtMs <= user.at)) {
      throw errors.unauthenticated('access for this account was ended; sign in again');
    }
  }
}
