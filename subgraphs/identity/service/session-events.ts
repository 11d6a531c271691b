import type { RequestContext } from '../../../infrastructure/context/request-context';
import { createDomainEvent, type DomainEvent, type EventBus } from '../../../infrastructure/events';
import { eventMetadataOf } from '../../../infrastructure/events/request-metadata';
import type { Logger } from '../../../infrastructure/logging/logger';

/** Why a session ended early. */
export type SessionRevocationReason = 'signed-out' | 'signed-out-everywhere' | 'password-changed' | 'refresh-token-reused';

/**
 * The events of sessions and sign-in protection. None carries a password, hash or token: only ids, reasons and
 * counts. Until the transactional outbox lands, they are published after commit and a crash in between loses one.
 */
export class SessionEvents {
  constructor(
    private readonly bus: EventBus,
    private readonly request: RequestContext,
    private readonly logger: Logger,
  ) {}

  /** identity.session.revoked, one per session: a gateway could deny the session's access tokens (`sid`) early. */
  async sessionsRevoked(user: { id: string; tenantId: string | null }, sessionIds: readonly string[], reason: SessionRevocationReason): Promise<void> {
    for (const sessionId of sessionIds) {
      await this.publish({ type: 'identity.session.revoked', aggregateType: 'Session', aggregateId: sessionId, aggregateVersion: 1, tenantId: user.tenantId, data: { userId: user.id, reason } });
    }
  }

  async passwordChanged(user: { id: string; tenantId: string | null; version: number }, otherSessionsRevoked: number): Promise<void> {
    await this.publish({
      type: 'identity.user.password-changed',
      aggregateType: 'User',
      aggregateId: user.id,
      aggregateVersion: user.version,
      tenantId: user.tenantId,
      data: { otherSessionsRevoked },
    });
  }

  /** Published only for accounts that exist; a lock on an unknown e-mail is logged, never announced. */
  async lockedOut(user: { id: string; tenantId: string | null; version: number }, failedAttempts: number, lockedForSeconds: number): Promise<void> {
    await this.publish({
      type: 'identity.user.locked-out',
      aggregateType: 'User',
      aggregateId: user.id,
      aggregateVersion: user.version,
      tenantId: user.tenantId,
      data: { failedAttempts, lockedForSeconds },
    });
  }

  private async publish(e: Pick<DomainEvent, 'type' | 'aggregateType' | 'aggregateId' | 'aggregateVersion' | 'tenantId' | 'data'>): Promise<void> {
    const event = createDomainEvent({ ...e, source: 'identity', ...eventMetadataOf(this.request) });
    await this.bus.publish(event).catch((error: unknown) => this.logger.error('could not publish event', { type: event.type, error }));
  }
}
