import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { Kind, OperationTypeNode, valueFromASTUntyped, type DocumentNode, type FragmentDefinitionNode, type SelectionSetNode } from 'graphql';
import type { TenantStatusCache } from './tenant-status-cache';

/** Root mutation fields that change a tenant's status; each takes `input: { id, ... }`. */
const STATUS_MUTATIONS: ReadonlySet<string> = new Set(['suspendTenant', 'reactivateTenant']);

/**
 * The gateway that served `suspendTenant` forgets that tenant before it answers, so the next request through it
 * asks tenancy instead of waiting for the event. Other replicas learn of the change from the event.
 */
export function tenantStatusChangePlugin<TContext extends BaseContext>(tenants: TenantStatusCache): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ operation, document, request }) {
          if (operation?.operation !== OperationTypeNode.MUTATION || !document) return;
          for (const id of changedTenantIds(operation.selectionSet, fragmentsOf(document), request.variables ?? {})) tenants.invalidate(id);
        },
      };
    },
  };
}

function fragmentsOf(document: DocumentNode): Map<string, FragmentDefinitionNode> {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  return fragments;
}

/** The `input.id` of every status mutation at the root, reached directly or through fragments. */
export function changedTenantIds(
  selectionSet: SelectionSetNode,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  variables: Record<string, unknown>,
  seen: Set<string> = new Set(),
): string[] {
  const ids: string[] = [];
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.INLINE_FRAGMENT) {
      ids.push(...changedTenantIds(selection.selectionSet, fragments, variables, seen));
    } else if (selection.kind === Kind.FRAGMENT_SPREAD) {
      const fragment = fragments.get(selection.name.value);
      if (fragment && !seen.has(fragment.name.value)) {
        seen.add(fragment.name.value);
        ids.push(...changedTenantIds(fragment.selectionSet, fragments, variables, seen));
      }
    } else if (STATUS_MUTATIONS.has(selection.name.value)) {
      const input = selection.arguments?.find((argument) => argument.name.value === 'input');
      const value: unknown = input ? valueFromASTUntyped(input.value, variables) : undefined;
      const id = typeof value === 'object' && value !== null ? (value as Record<string, unknown>).id : undefined;
      if (typeof id === 'string' || typeof id === 'number') ids.push(String(id));
    }
  }
  return ids;
}
