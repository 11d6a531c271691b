import type { DomainEvent } from '../../infrastructure/events';
import type { AccessCheck, AccessCheckRequest } from '../../infrastructure/authorization/access-check';
import { LruMap } from '../../infrastructure/cache/lru-map';
import { GATEWAY_DEFAULTS } from '../../infrastructure/config/config';
import { errors } from '../../infrastructure/errors/error-codes';
import type { Principal } from '../../infrastructure/context/request-context';
import { ALWAYS_CONNECTED, trustsConfirmation, type BusConnectivity } from '../../infrastructure/events/bus-connectivity';

/** Identity's events that end access before the access tokens already issued expire. */
export const ACCESS_REVOCATION_EVENTS = 'identity.*';
// A password change ends the user's other sessions one by one (identity.session.revoked), keeping the current one.
const REVOKING_USER = new Set(['identity.user.suspended', 'identity.user.deleted']);

/** The longest access-token lifetime `LATTICE_ACCESS_TOKEN_TTL` allows. */
export const ACCESS_TOKEN_MAX_TTL_SECONDS = 3600;

const SESSION_ENDED = 'this session has ended; sign in again';
const ACCESS_ENDED = 'access for this account was ended; sign in again';

export interface AccessRevocationsOptions {
  /** How many revoked sessions and users are remembered; each entry lives at most one token lifetime. */
  maxEntries?: number;
  /** Asks identity whether a session still grants access. Without it only events count, whatever the bus does. */
  confirmAccess?: (request: AccessCheckRequest) => Promise<AccessCheck>;
  /** The bus the events come over; while it is down, and once after it reconnects, sessions are confirmed with identity. */
  connectivity?: BusConnectivity;
  outageWindowMs?: number;
  /** How many (user, session) confirmations are remembered; forgetting one only costs another question. */
  maxConfirmations?: number;
  now?: () => number;
}

/**
 * Access tokens are not looked up per request, so a token stays valid until it expires. This closes most of that
 * gap: every gateway hears identity's revocation events and refuses, until the token lifetime has passed,
 *  - a session that was signed out or revoked (its `sid`), and
 *  - tokens issued before a user was suspended, deleted or changed their password.
 * A gateway that starts after the event did not hear it; for it the bound stays the token lifetime.
 *
 * While the bus is down no event can arrive, so an identity token's session is confirmed with identity unless this
 * replica confirmed it within the outage window; after the bus reconnects, a token issued before then is confirmed
 * once more (an event of the gap may have been lost). If identity cannot answer, the request is SERVICE_UNAVAILABLE.
 */
export class AccessRevocations {
  private readonly sessions: LruMap<string, number>;
  /** User id → when access was ended, and until when that matters (the last token issued before it expires by then). */
  private readonly users: LruMap<string, { at: number; until: number }>;
  /** `${user} ${session}` → when identity last said the session grants access (epoch ms, when it was asked). */
  private readonly confirmations: LruMap<string, number>;
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly confirmAccess: ((request: AccessCheckRequest) => Promise<AccessCheck>) | undefined;
  private readonly connectivity: BusConnectivity;
  private readonly outageWindowMs: number;
  private readonly now: () => number;

  constructor(
    private readonly tokenLifetimeMs: number,
    options: AccessRevocationsOptions = {},
  ) {
    const maxEntries = options.maxEntries ?? GATEWAY_DEFAULTS.caches.revocations;
    this.sessions = new LruMap(maxEntries);
    this.users = new LruMap(maxEntries);
    this.confirmations = new LruMap(Math.max(1, options.maxConfirmations ?? GATEWAY_DEFAULTS.caches.verifiedTokens));
    this.confirmAccess = options.confirmAccess;
    this.connectivity = options.connectivity ?? ALWAYS_CONNECTED;
    this.outageWindowMs = options.outageWindowMs ?? GATEWAY_DEFAULTS.busOutageWindowMs;
    this.now = options.now ?? Date.now;
  }

  apply(event: DomainEvent): void {
    const until = this.now() + this.tokenLifetimeMs;
    if (event.type === 'identity.session.revoked') {
      this.sessions.set(event.aggregateId, until);
    } else if (REVOKING_USER.has(event.type)) {
      // Whole seconds, like a token's iat: a token issued in the same second as the change counts as before it.
      this.users.set(event.aggregateId, { at: Math.floor(Date.parse(event.occurredAt) / 1000) * 1000, until });
    }
  }

  /** Refuses a principal whose session or user access has been revoked since its token was issued. */
  async check(principal: Principal, issuedAtMs: number | undefined): Promise<void> {
    if (principal.kind !== 'USER' || principal.subject === null) return;
    this.refuseRevoked(principal.subject, principal.sessionId, issuedAtMs);
    // Only identity's own tokens name a session; identity knows nothing of another issuer's users.
    if (!principal.sessionId || !this.confirmAccess) return;
    if (!this.needsConfirmation(principal.subject, principal.sessionId, issuedAtMs)) return;
    await this.confirm(principal.subject, principal.sessionId);
    this.refuseRevoked(principal.subject, principal.sessionId, issuedAtMs);
  }

  private refuseRevoked(userId: string, sessionId: string | undefined, issuedAtMs: number | undefined): void {
    const now = this.now();
    if (sessionId) {
      const until = this.sessions.get(sessionId);
      if (until !== undefined && now < until) throw errors.unauthenticated(SESSION_ENDED);
    }
    const user = this.users.get(userId);
    if (user && now < user.until && (issuedAtMs === undefined || issuedAtMs <= user.at)) throw errors.unauthenticated(ACCESS_ENDED);
  }

  private needsConfirmation(userId: string, sessionId: string, issuedAtMs: number | undefined): boolean {
    const now = this.now();
    if (this.connectivity.connected()) {
      const reconnectedAt = this.connectivity.reconnectedAt();
      // Connected with no outage behind it, every revocation was heard.
      if (reconnectedAt === null) return false;
      // Every token issued before the outage ended has expired by now.
      if (now - reconnectedAt > this.tokenLifetimeMs) return false;
      // Issued after it: any revocation since was heard. A window's margin allows for identity's clock running ahead.
      if (issuedAtMs !== undefined && issuedAtMs >= reconnectedAt + this.outageWindowMs) return false;
    }
    const confirmedAt = this.confirmations.get(confirmationKey(userId, sessionId));
    return confirmedAt === undefined || !trustsConfirmation(this.connectivity, confirmedAt, this.outageWindowMs, now);
  }

  /** One question to identity per session however many requests wait; a "no" is remembered like the event it stands for. */
  private confirm(userId: string, sessionId: string): Promise<void> {
    const key = confirmationKey(userId, sessionId);
    const waiting = this.inFlight.get(key);
    if (waiting) return waiting;
    const askedAt = this.now();
    const flight = this.confirmAccess!({ userId, sessionId })
      .then((answer) => {
        if (answer.live) this.confirmations.set(key, askedAt);
        else if (answer.reason === 'session-ended') this.sessions.set(sessionId, this.now() + this.tokenLifetimeMs);
        // Every token issued by the time identity was asked is refused, as after the suspension event.
        else this.users.set(userId, { at: askedAt, until: this.now() + this.tokenLifetimeMs });
      })
      .finally(() => {
        if (this.inFlight.get(key) === flight) this.inFlight.delete(key);
      });
    this.inFlight.set(key, flight);
    return flight;
  }
}

function confirmationKey(userId: string, sessionId: string): string {
  return `${userId} ${sessionId}`;
}
