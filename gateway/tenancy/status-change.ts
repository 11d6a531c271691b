import type { FragmentDefinitionNode, SelectionSetNode } from 'graphql';
import { rootInputIds } from '../core/mutation-input-ids';

/** Root mutation fields that change a tenant's status; each takes `input: { id, ... }`. */
export const STATUS_MUTATIONS: ReadonlySet<string> = new Set(['suspendTenant', 'reactivateTenant']);

/** The `input.id` of every status mutation at the root, reached directly or through fragments. */
export function changedTenantIds(selectionSet: SelectionSetNode, fragments: ReadonlyMap<string, FragmentDefinitionNode>, variables: Record<string, unknown>): string[] {
  return rootInputIds(STATUS_MUTATIONS, selectionSet, fragments, variables);
}
