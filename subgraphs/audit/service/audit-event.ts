export interface AuditEvent {
  id: string;
  type: string;
  aggregateType: string;
  aggregateId: string;
  tenantId: string | null;
  actorId: string | null;
  actorKind: string;
  requestId: string | null;
  occurredAt: Date;
  data: Record<string, unknown>;
}
