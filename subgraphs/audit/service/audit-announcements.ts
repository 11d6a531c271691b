import { createDomainEvent, type DomainEvent, type EventBus } from '../../../infrastructure/events';
import { LIVE_EVENT_TYPES, type LiveEventType } from '../../../infrastructure/events/event-types';
import type { Logger } from '../../../infrastructure/logging/logger';
import type { AuditRecord } from '../store/audit-store';

export const AUDIT_EVENT_RECORDED = 'audit.event.recorded' satisfies LiveEventType;

/** What `audit.event.recorded` carries besides its envelope: enough to filter on without reading the record. */
export interface AuditEventRecordedData extends Record<string, unknown> {
  eventType: string;
  eventAggregateId: string;
  sequence: number;
  hash: string;
}

/**
 * The live announcement that `record` was written. Its aggregate is the record itself, by the id `AuditEvent.id`
 * shows, at its place in the tenant's chain; the request is the one that caused the recorded event.
 */
export function auditEventRecorded(record: AuditRecord): DomainEvent<AuditEventRecordedData> {
  return createDomainEvent<AuditEventRecordedData>({
    type: AUDIT_EVENT_RECORDED,
    schemaVersion: LIVE_EVENT_TYPES[AUDIT_EVENT_RECORDED],
    source: 'audit',
    aggregateType: 'AuditEvent',
    aggregateId: record.eventId,
    aggregateVersion: record.sequence,
    tenantId: record.tenantId,
    actor: { kind: 'SYSTEM', id: null },
    requestId: record.requestId,
    data: { eventType: record.type, eventAggregateId: record.aggregateId, sequence: record.sequence, hash: record.hash },
  });
}

/** Whether an event is one of audit's own announcements, which must never be recorded (each would announce itself again). */
export function isAuditAnnouncement(event: Pick<DomainEvent, 'type'>): boolean {
  return event.type.startsWith('audit.');
}

/**
 * Tells the live bus (the gateway's `auditEventRecorded`) about records once they are written. Only there: the bus
 * is at most once, and the record itself is the durable fact. A failed publish is logged and never fails the
 * batch, which is already stored; redelivering it would write nothing and so announce nothing.
 */
export class AuditAnnouncer {
  constructor(
    private readonly bus: Pick<EventBus, 'publish'>,
    private readonly logger: Logger,
  ) {}

  async announce(records: readonly AuditRecord[]): Promise<void> {
    // Started in order (the bus keeps each subscriber's order), without waiting for one another.
    await Promise.all(
      records.map(async (record) => {
        try {
          await this.bus.publish(auditEventRecorded(record));
        } catch (error) {
          this.logger.warn('audit: could not announce a written record on the live bus', { eventId: record.eventId, tenantId: record.tenantId, error });
        }
      }),
    );
  }
}
