import type { EventType } from '../../../infrastructure/events/event-types';
import type DataLoader from 'dataloader';
import type { RequestContext } from '../../../infrastructure/context/request-context';
import { errors } from '../../../infrastructure/errors/error-codes';
import { uuid7 } from '../../../infrastructure/events/uuid7';
import { byIdLoader } from '../../../infrastructure/graphql/by-id-loader';
import { parsePageRequest, toPage, type Page } from '../../../infrastructure/graphql/pagination';
import { DuplicateNameError, MissingRowError, StaleVersionError, type HierarchyStore } from '../store/hierarchy-store';
import { HierarchyAccess } from './hierarchy-access';
import { validateHierarchyName, type Organization } from './hierarchy';
import type { TenancyEvents } from './tenancy-events';

/** Maps the store's concurrency outcomes onto the API's errors. */
export function versionedWriteError(error: unknown, what: string, id: string, expectedVersion: number | null): unknown {
  if (error instanceof StaleVersionError) {
    return errors.conflict(`${what} ${JSON.stringify(id)} is at version ${error.currentVersion}, not ${expectedVersion}; reload it and retry`);
  }
  if (error instanceof MissingRowError) return errors.notFound(what, id);
  return error;
}

export class OrganizationService {
  readonly byId: DataLoader<string, Organization | null>;
  private readonly access: HierarchyAccess;

  constructor(
    private readonly store: HierarchyStore,
    private readonly events: TenancyEvents,
    request: RequestContext,
  ) {
    this.byId = byIdLoader((ids) => store.organizationsByIds(ids), 'Organization');
    this.access = new HierarchyAccess(request.principal);
  }

  async find(id: string): Promise<Organization> {
    return this.access.visible(await this.byId.load(id), 'organization', id);
  }

  /** Entity reference from another subgraph (`User.organization`): like find, but one the caller may not see is null, never an error. */
  async resolveReference(id: string): Promise<Organization | null> {
    return this.access.visibleOrNull(await this.byId.load(id));
  }

  async list(args: { tenantId?: string | null; first?: number | null; after?: string | null; includeArchived?: boolean | null }): Promise<Page<Organization>> {
    const page = parsePageRequest(args.first, args.after);
    const tenantId = this.access.targetTenant(args.tenantId, false);
    const rows = await this.store.listOrganizations(tenantId, page.afterKey, page.limit + 1, args.includeArchived ?? false);
    return toPage(rows, page, (o) => o.id, (o) => o);
  }

  async create(input: { name: string; tenantId?: string | null }): Promise<Organization> {
    const tenantId = this.access.targetTenant(input.tenantId, true);
    const name = validateHierarchyName('input.name', input.name);
    const organization: Organization = { id: uuid7(), tenantId, name, status: 'ACTIVE', version: 1, createdAt: new Date() };
    try {
      await this.events.transaction(async () => {
        await this.store.insertOrganization(organization);
        await this.record('tenancy.organization.created', organization);
      });
    } catch (error) {
      if (error instanceof DuplicateNameError) throw errors.conflict(`an active organization named ${JSON.stringify(name)} already exists in this tenant`);
      throw error;
    }
    return organization;
  }

  async rename(input: { id: string; name: string; expectedVersion: number }): Promise<Organization> {
    const current = await this.find(input.id);
    this.access.requireWrite({ tenantId: current.tenantId, organizationId: current.id });
    const name = validateHierarchyName('input.name', input.name);
    if (current.status === 'ARCHIVED') throw errors.badInput('input.id', 'an archived organization cannot be renamed');
    let renamed: Organization;
    try {
      renamed = await this.events.transaction(async () => {
        const row = await this.store.renameOrganization(input.id, name, input.expectedVersion);
        await this.record('tenancy.organization.renamed', row);
        return row;
      });
    } catch (error) {
      if (error instanceof DuplicateNameError) throw errors.conflict(`an active organization named ${JSON.stringify(name)} already exists in this tenant`);
      throw versionedWriteError(error, 'organization', input.id, input.expectedVersion);
    }
    return renamed;
  }

  /** Archives the organization and all its departments. Archiving an archived one changes nothing. */
  async archive(input: { id: string; expectedVersion?: number | null }): Promise<Organization> {
    const current = await this.find(input.id);
    this.access.requireWrite({ tenantId: current.tenantId, organizationId: current.id });
    if (current.status === 'ARCHIVED') return current;
    let archived: Organization;
    try {
      archived = await this.events.transaction(async () => {
        const row = await this.store.archiveOrganization(input.id, input.expectedVersion ?? null);
        await this.record('tenancy.organization.archived', row);
        return row;
      });
    } catch (error) {
      throw versionedWriteError(error, 'organization', input.id, input.expectedVersion ?? null);
    }
    return archived;
  }

  private record(type: EventType, organization: Organization): Promise<void> {
    return this.events.record(type, { type: 'Organization', ...organization }, { name: organization.name, status: organization.status });
  }
}
