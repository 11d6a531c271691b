import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kind, parse } from 'graphql';

/**
 * Every root field a client can call through the gateway over HTTP, as `Query.name` / `Mutation.name`. Subscription
 * fields are served over the WebSocket and isolated at delivery: test/e2e/subscriptions.e2e.test.ts aims each of them
 * at tenant B ("every subscription field, aimed at another tenant").
 */
export function supergraphOperations(): string[] {
  const document = parse(readFileSync(join(__dirname, '..', '..', 'schema', 'supergraph.graphql'), 'utf8'));
  const operations: string[] = [];
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OBJECT_TYPE_DEFINITION) continue;
    const root = definition.name.value;
    if (root !== 'Query' && root !== 'Mutation') continue;
    for (const field of definition.fields ?? []) operations.push(`${root}.${field.name.value}`);
  }
  return operations.sort();
}
