import type { RecordedParties } from '../service/audit-references';
import type { AuditRecord } from '../store/audit-store';
import { AuditEventType } from './audit-event.type';

export function toAuditEventType(record: AuditRecord): AuditEventType {
  return Object.assign(new AuditEventType(), {
    id: record.eventId,
    type: record.type,
    aggregateType: record.aggregateType,
    aggregateId: record.aggregateId,
    aggregateVersion: record.aggregateVersion,
    tenantId: record.tenantId,
    recordedActorKind: record.actorKind,
    actorId: record.actorId,
    occurredAt: record.occurredAt,
    data: record.data,
    ipAddress: record.ipAddress,
    userAgent: record.userAgent,
    requestId: record.requestId,
    sequence: record.sequence,
    hash: record.hash,
    previousHash: record.previousHash,
  });
}

export function recordedPartiesOf(event: AuditEventType): RecordedParties {
  return { tenantId: event.tenantId, actorKind: event.recordedActorKind, actorId: event.actorId };
}
