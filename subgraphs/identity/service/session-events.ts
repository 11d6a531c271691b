import type { RequestContext } from '../../../infrastructure/context/request-context';
import type { ScopedDatabase, TenantDatabase } from '../../../infrastructure/database/scoped-database';
import type { EventStore } from '../../../infrastructure/events/outbox/event-store';
import { RequestEvents, type EventFacts } from '../../../infrastructure/events/outbox/request-events';
import { uuid7 } from '../../../infrastructure/events/uuid7';
import { LatticeError } from '../../../infrastructure/errors/error-codes';

/** Why a session ended early. */
export type SessionRevocationReason = 'signed-out' | 'signed-out-everywhere' | 'password-changed' | 'refresh-token-reused';

/** Why a sign-in was refused, as security events record it (never which part of the credentials was wrong to the caller). */
export type SignInFailure = 'unknown-account' | 'incorrect-password' | 'account-locked' | 'not-active';

/**
 * The events of sessions and sign-in protection, through identity's event store. None carries a password, hash
 * or token: only ids, reasons and counts. Called inside a unit of work they join it; otherwise each is written in
 * its own, in the tenant's scope (platform scope for platform accounts and unknown tenants).
 */
export class SessionEvents {
  constructor(
    private readonly store: EventStore,
    private readonly database: TenantDatabase,
    private readonly request: RequestContext,
  ) {}

  /** identity.session.revoked, one per session: gateways deny the session's access tokens (`sid`) at once. */
  async sessionsRevoked(user: { id: string; tenantId: string | null }, sessionIds: readonly string[], reason: SessionRevocationReason): Promise<void> {
    await this.record(
      user.tenantId,
      sessionIds.map((sessionId) => ({ type: 'identity.session.revoked', aggregateType: 'Session', aggregateId: sessionId, tenantId: user.tenantId, data: { userId: user.id, reason } })),
    );
  }

  /**
   * A refresh token was exchanged for its successor: the session goes on. This and the replay below are events of
   * their own one-event aggregates, not of the Session stream: concurrent exchanges of one token (one wins, the rest
   * are replays) must never contend on a stream version, or a replay would answer CONFLICT instead of UNAUTHENTICATED.
   */
  async sessionRefreshed(user: { id: string; tenantId: string | null }, sessionId: string): Promise<void> {
    await this.record(user.tenantId, { type: 'identity.session.refreshed', aggregateType: 'SessionRefresh', aggregateId: uuid7(), tenantId: user.tenantId, data: { userId: user.id, sessionId } });
  }

  /** A refresh token was presented a second time: the whole session is revoked as stolen. */
  async refreshTokenReused(user: { id: string; tenantId: string | null }, sessionId: string): Promise<void> {
    await this.record(user.tenantId, { type: 'identity.session.refresh-token-reused', aggregateType: 'RefreshTokenReplay', aggregateId: uuid7(), tenantId: user.tenantId, data: { userId: user.id, sessionId } });
  }

  async passwordChanged(user: { id: string; tenantId: string | null }, otherSessionsRevoked: number): Promise<void> {
    await this.record(user.tenantId, { type: 'identity.user.password-changed', aggregateType: 'User', aggregateId: user.id, tenantId: user.tenantId, data: { otherSessionsRevoked } });
  }

  /** Published only for accounts that exist; a lock on an unknown e-mail is logged, never announced. */
  async lockedOut(user: { id: string; tenantId: string | null }, failedAttempts: number, lockedForSeconds: number): Promise<void> {
    const facts: EventFacts = { type: 'identity.user.locked-out', aggregateType: 'User', aggregateId: user.id, tenantId: user.tenantId, data: { failedAttempts, lockedForSeconds } };
    // Its own unit of work on the user's stream: if an admin's change to the user committed at the same moment, the
    // append is CONFLICT; appending again goes after that change instead of failing the sign-in.
    try {
      await this.record(user.tenantId, facts);
    } catch (error) {
      if (!(error instanceof LatticeError && error.code === 'CONFLICT')) throw error;
      await this.record(user.tenantId, facts);
    }
  }

  /** Each attempt is its own aggregate, so simultaneous attempts never contend. */
  async signInSucceeded(user: { id: string; tenantId: string | null }, sessionId: string | null): Promise<void> {
    await this.record(user.tenantId, { type: 'identity.signin.succeeded', aggregateType: 'SignInAttempt', aggregateId: uuid7(), tenantId: user.tenantId, data: { userId: user.id, sessionId } });
  }

  /** userId only when the account exists; the e-mail is never recorded (it may be another person's, mistyped). */
  async signInFailed(tenantId: string | null, userId: string | null, reason: SignInFailure): Promise<void> {
    await this.record(tenantId, { type: 'identity.signin.failed', aggregateType: 'SignInAttempt', aggregateId: uuid7(), tenantId, data: { userId, reason } });
  }

  private async record(tenantId: string | null, facts: EventFacts | readonly EventFacts[]): Promise<void> {
    if (Array.isArray(facts) && facts.length === 0) return;
    await RequestEvents.of(this.store, this.scopeOf(tenantId), this.request).record(facts);
  }

  private scopeOf(tenantId: string | null): ScopedDatabase {
    return tenantId ? this.database.forTenant(tenantId) : this.database.asPlatform('security events of platform accounts', this.request);
  }
}
