import type { FragmentDefinitionNode, SelectionSetNode } from 'graphql';
import { rootInputIds } from '../core/mutation-input-ids';

/** The root mutations after which the gateway that served them forgets the key (`input.id`). */
export const REVOKE_MUTATIONS: ReadonlySet<string> = new Set(['revokeApiKey']);

/** The `input.id` of every root `revokeApiKey`, reached directly or through fragments. */
export function revokedApiKeyIds(selectionSet: SelectionSetNode, fragments: ReadonlyMap<string, FragmentDefinitionNode>, variables: Record<string, unknown>): string[] {
  return rootInputIds(REVOKE_MUTATIONS, selectionSet, fragments, variables);
}
