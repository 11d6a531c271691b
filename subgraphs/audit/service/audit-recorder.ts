import type { DomainEvent } from '../../../infrastructure/events';
import type { AuditRecordInput, AuditStore } from '../store/audit-store';

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

/** Turns each batch the stream delivers into audit records, idempotently by event id (redelivery adds nothing). */
export class AuditRecorder {
  constructor(private readonly store: AuditStore) {}

  async record(events: readonly DomainEvent[]): Promise<number> {
    return this.store.append(events.map(toAuditInput));
  }
}
