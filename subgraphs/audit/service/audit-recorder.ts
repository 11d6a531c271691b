import type { DomainEvent } from '../../../infrastructure/events';
import type { AuditRecord, AuditRecordInput, AuditStore } from '../store/audit-store';
import { isAuditAnnouncement, type AuditAnnouncer } from './audit-announcements';

/** The audit record of one domain event: every envelope field, nothing added. */
export function toAuditInput(event: DomainEvent): AuditRecordInput {
  return {
    eventId: event.id,
    type: event.type,
    schemaVersion: event.schemaVersion,
    source: event.source,
    aggregateType: event.aggregateType,
    aggregateId: event.aggregateId,
    aggregateVersion: event.aggregateVersion,
    tenantId: event.tenantId,
    actorKind: event.actor.kind,
    actorId: event.actor.id,
    requestId: event.requestId,
    ipAddress: event.ipAddress,
    userAgent: event.userAgent,
    occurredAt: new Date(event.occurredAt),
    data: event.data,
  };
}

/**
 * Turns each batch the stream delivers into audit records, idempotently by event id (redelivery adds nothing), and
 * announces the records it wrote on the live bus (a redelivered event was announced when it was first written).
 */
export class AuditRecorder {
  constructor(
    private readonly store: AuditStore,
    private readonly announcer: Pick<AuditAnnouncer, 'announce'> | null = null,
  ) {}

  /** The records that were new. Audit's own announcements are never recorded, should one reach the stream. */
  async record(events: readonly DomainEvent[]): Promise<AuditRecord[]> {
    const written = await this.store.append(events.filter((event) => !isAuditAnnouncement(event)).map(toAuditInput));
    await this.announcer?.announce(written);
    return written;
  }
}
