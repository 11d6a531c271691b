import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import type { FragmentDefinitionNode, SelectionSetNode } from 'graphql';
import { forgetAfterMutation, rootInputIds } from '../federation/mutation-input-ids';
import type { TenantStatusCache } from './tenant-status-cache';

/** Root mutation fields that change a tenant's status; each takes `input: { id, ... }`. */
const STATUS_MUTATIONS: ReadonlySet<string> = new Set(['suspendTenant', 'reactivateTenant']);

/**
 * The gateway that served `suspendTenant` forgets that tenant before it answers, so the next request through it
 * asks tenancy instead of waiting for the event. Other replicas learn of the change from the event.
 */
export function tenantStatusChangePlugin<TContext extends BaseContext>(tenants: TenantStatusCache): ApolloServerPlugin<TContext> {
  return forgetAfterMutation(STATUS_MUTATIONS, (id) => tenants.invalidate(id));
}

/** The `input.id` of every status mutation at the root, reached directly or through fragments. */
export function changedTenantIds(selectionSet: SelectionSetNode, fragments: ReadonlyMap<string, FragmentDefinitionNode>, variables: Record<string, unknown>): string[] {
  return rootInputIds(STATUS_MUTATIONS, selectionSet, fragments, variables);
}
