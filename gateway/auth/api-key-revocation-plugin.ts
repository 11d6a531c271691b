import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import type { FragmentDefinitionNode, SelectionSetNode } from 'graphql';
import { forgetAfterMutation, rootInputIds } from '../federation/mutation-input-ids';
import type { ApiKeyCache } from './api-key-cache';

const REVOKE: ReadonlySet<string> = new Set(['revokeApiKey']);

/**
 * The gateway that served `revokeApiKey` forgets that key before it answers, so the very next request through it
 * asks identity instead of racing the event. Forgetting is harmless when the mutation was refused: it costs one
 * question to identity, so a caller who may not revoke the key cannot use this to lock it out.
 */
export function apiKeyRevocationPlugin<TContext extends BaseContext>(cache: ApiKeyCache): ApolloServerPlugin<TContext> {
  return forgetAfterMutation(REVOKE, (id) => cache.invalidate(id));
}

/** The `input.id` of every root `revokeApiKey`, reached directly or through fragments. */
export function revokedApiKeyIds(selectionSet: SelectionSetNode, fragments: ReadonlyMap<string, FragmentDefinitionNode>, variables: Record<string, unknown>): string[] {
  return rootInputIds(REVOKE, selectionSet, fragments, variables);
}
