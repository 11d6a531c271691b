import { tenantReference, userReference } from '../../../infrastructure/graphql/entity-references';
import type { AuditEvent } from '../service/audit-event';
import { AuditEventType } from './audit-event.type';

export function toAuditEventType(event: AuditEvent): AuditEventType {
  return Object.assign(new AuditEventType(), {
    id: event.id,
    type: event.type,
    aggregateType: event.aggregateType,
    aggregateId: event.aggregateId,
    tenant: tenantReference(event.tenantId),
    actor: event.actorKind === 'USER' ? userReference(event.actorId) : null,
    occurredAt: event.occurredAt,
    data: event.data,
    requestId: event.requestId,
  });
}
