import { tenantReference } from '../../../infrastructure/graphql/entity-references';
import type { AuditRecord } from '../store/audit-store';
import { AuditEventType, AuditUserType } from './audit-event.type';

export function toAuditEventType(record: AuditRecord): AuditEventType {
  return Object.assign(new AuditEventType(), {
    id: record.eventId,
    type: record.type,
    aggregateType: record.aggregateType,
    aggregateId: record.aggregateId,
    aggregateVersion: record.aggregateVersion,
    tenant: tenantReference(record.tenantId),
    actor: record.actorKind === 'USER' && record.actorId ? Object.assign(new AuditUserType(), { id: record.actorId }) : null,
    actorKind: record.actorKind,
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
