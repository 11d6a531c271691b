import { PERMISSIONS, requireSignedIn, requireTenantAccess } from '../../../infrastructure/authorization/permissions';
import type { RequestContext } from '../../../infrastructure/context/request-context';
import { parsePageRequest, toPage, type Page } from '../../../infrastructure/graphql/pagination';
import type { AuditRecordEntity } from '../store/audit-record.entity';
import type { AuditStore } from '../store/audit-store';
import type { AuditEvent } from './audit-event';

function toAuditEvent(row: AuditRecordEntity): AuditEvent {
  return {
    id: row.eventId,
    type: row.type,
    aggregateType: row.aggregateType,
    aggregateId: row.aggregateId,
    tenantId: row.tenantId,
    actorId: row.actorId,
    actorKind: row.actorKind,
    requestId: row.requestId,
    occurredAt: row.occurredAt,
    data: row.data,
  };
}

export class AuditQueryService {
  constructor(
    private readonly store: AuditStore,
    private readonly request: RequestContext,
  ) {}

  /** The audit trail of the caller's tenant (or of `tenantId`, for platform auditors), newest first. */
  async list(args: { tenantId?: string | null; first?: number | null; after?: string | null }): Promise<Page<AuditEvent>> {
    const page = parsePageRequest(args.first, args.after);
    const principal = this.request.principal;
    requireSignedIn(principal);
    const tenantId = args.tenantId ?? principal.tenantId;
    requireTenantAccess(principal, tenantId, PERMISSIONS.auditRead);
    const rows = await this.store.list(tenantId, page.afterKey, page.limit + 1);
    return toPage(rows.map(toAuditEvent), page, (e) => e.id, (e) => e);
  }
}
