import { hasPermission, reachesEveryTenant, type Permission } from '../../../infrastructure/authorization/permissions';
import { effectivePermissions } from '../../../infrastructure/authorization/grants';
import type { Principal } from '../../../infrastructure/context/request-context';

/**
 * May `viewer` be handed a reference (`{ id }`) to an object another subgraph owns, in `tenantId` (null: a platform
 * object), whose fields need `read` (null: no permission, like User's)?
 *
 * It mirrors the owners' own reference rules (identity: your tenant's users, or any with platform:admin; tenancy:
 * your own tenant with `read` tenant-wide, or any with platform:admin). It has to: when an owner's `_entities`
 * answers null, @apollo/gateway keeps the `{ __typename, id }` we returned and reports every non-null field it
 * then lacks as an error (`valueCompletion`), so a reference the owner would refuse must already be null here.
 * A viewer who holds `read` nowhere can select only the key (the gateway refuses every other field, and never asks
 * the owner for a key), and the key is ours to show with the object that holds it.
 *
 * Audit keeps the same rule for its references (`subgraphs/audit/service/reference-visibility.ts`).
 */
export function mayReference(viewer: Principal, tenantId: string | null, read: Permission | null): boolean {
  if (reachesEveryTenant(viewer)) return true;
  if (read !== null && !effectivePermissions(viewer).has(read)) return true;
  return tenantId !== null && viewer.tenantId === tenantId && (read === null || hasPermission(viewer, read));
}
