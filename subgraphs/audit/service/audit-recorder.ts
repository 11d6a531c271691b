import type { DomainEvent } from '../../../infrastructure/events';
import type { AuditStore } from '../store/audit-store';

/** Turns every domain event into an audit record. */
export class AuditRecorder {
  constructor(private readonly store: AuditStore) {}

  record(event: DomainEvent): Promise<void> {
    return this.store.append({
      eventId: event.id,
      tenantId: event.tenantId,
      type: event.type,
      aggregateType: event.aggregateType,
      aggregateId: event.aggregateId,
      actorKind: event.actor.kind,
      actorId: event.actor.id,
      requestId: event.requestId,
      occurredAt: new Date(event.occurredAt),
      data: event.data,
    });
  }
}
