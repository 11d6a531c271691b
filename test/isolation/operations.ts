import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kind, parse } from 'graphql';

/** Every root field a client can call through the gateway, as `Query.name` / `Mutation.name`. */
export function supergraphOperations(): string[] {
  const document = parse(readFileSync(join(__dirname, '..', '..', 'schema', 'supergraph.graphql'), 'utf8'));
  const operations: string[] = [];
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OBJECT_TYPE_DEFINITION) continue;
    const root = definition.name.value;
    if (root !== 'Query' && root !== 'Mutation' && root !== 'Subscription') continue;
    for (const field of definition.fields ?? []) operations.push(`${root}.${field.name.value}`);
  }
  return operations.sort();
}
