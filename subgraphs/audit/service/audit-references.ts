import type DataLoader from 'dataloader';
import { PERMISSIONS } from '../../../infrastructure/authorization/permissions';
import type { RequestContext } from '../../../infrastructure/context/request-context';
import type { ActorKind } from '../../../infrastructure/events/domain-event';
import { actorKindOf, type ActorTenant, type AuditActorKind } from './actor-kind';
import { mayReference } from './reference-visibility';

/** What a record says about who caused it and where. */
export interface RecordedParties {
  tenantId: string | null;
  actorKind: ActorKind;
  actorId: string | null;
}

/**
 * The objects of other subgraphs that one request's audit records point at: each is handed out only when its
 * owner would show it to this caller (see mayReference), so an invisible one reads as a plain null.
 */
export class AuditReferences {
  constructor(
    private readonly request: RequestContext,
    private readonly actorTenants: DataLoader<string, ActorTenant>,
  ) {}

  /** The record's tenant, for `AuditEvent.tenant`; null for platform records and for tenants the caller may not see. */
  tenantOf(record: RecordedParties): string | null {
    return record.tenantId !== null && mayReference(this.request.principal, record.tenantId, PERMISSIONS.tenantsRead) ? record.tenantId : null;
  }

  async actorKindOf(record: RecordedParties): Promise<AuditActorKind> {
    return actorKindOf(record.actorKind, await this.actorTenantOf(record));
  }

  /**
   * The user who caused it, for `AuditEvent.actor`: null unless a user did and identity would show them to the
   * caller (a tenant's users see their own tenant's users, not platform admins). An actor identity does not know is
   * null too, since identity would answer null for it.
   */
  async actorOf(record: RecordedParties): Promise<string | null> {
    if (record.actorKind !== 'USER' || record.actorId === null) return null;
    const tenantId = await this.actorTenantOf(record);
    return tenantId !== undefined && mayReference(this.request.principal, tenantId, null) ? record.actorId : null;
  }

  private async actorTenantOf(record: RecordedParties): Promise<ActorTenant> {
    return record.actorKind === 'USER' && record.actorId !== null ? this.actorTenants.load(record.actorId) : undefined;
  }
}
