import { createHash } from 'node:crypto';
import { getOperationAST, parse, validate, type GraphQLSchema } from 'graphql';

/** One operation of an Apollo persisted-query manifest: its id is the SHA-256 (hex) of its body. */
export interface PersistedOperation {
  readonly id: string;
  readonly name: string | null;
  readonly type: 'query' | 'mutation' | 'subscription';
  readonly body: string;
}

/** Why one entry of a manifest was refused: its index, id and name where known. */
export interface ManifestProblem {
  readonly index: number;
  readonly id: string | null;
  readonly name: string | null;
  readonly message: string;
}

export const MAX_MANIFEST_OPERATIONS = 5_000;
const MAX_BODY = 100_000;
const HASH = /^[0-9a-f]{64}$/;
const TYPES = new Set(['query', 'mutation', 'subscription']);

export const operationId = (body: string) => createHash('sha256').update(body).digest('hex');

/**
 * Reads a manifest in Apollo's format (`{ "format": "apollo-persisted-query-manifest", "version": 1, "operations":
 * [{ id, name, type, body }] }`, as `@apollo/generate-persisted-query-manifest` writes it) and checks every
 * operation against the supergraph clients see now: the id is the body's SHA-256, the body parses, validates,
 * names its operation and is of its type. Every problem is reported; the caller stores nothing unless there is none.
 */
export function readManifest(text: string, schema: GraphQLSchema): { operations: PersistedOperation[]; problems: ManifestProblem[] } {
  let manifest: unknown;
  try {
    manifest = JSON.parse(text);
  } catch {
    return { operations: [], problems: [{ index: -1, id: null, name: null, message: 'the manifest is not JSON' }] };
  }
  const m = (manifest ?? {}) as { format?: unknown; version?: unknown; operations?: unknown };
  if (m.format !== 'apollo-persisted-query-manifest' || m.version !== 1 || !Array.isArray(m.operations)) {
    return { operations: [], problems: [{ index: -1, id: null, name: null, message: 'not an Apollo persisted-query manifest: expected { "format": "apollo-persisted-query-manifest", "version": 1, "operations": [...] }' }] };
  }
  if (m.operations.length === 0 || m.operations.length > MAX_MANIFEST_OPERATIONS) {
    return { operations: [], problems: [{ index: -1, id: null, name: null, message: `a manifest holds 1 to ${MAX_MANIFEST_OPERATIONS} operations` }] };
  }
  const operations: PersistedOperation[] = [];
  const problems: ManifestProblem[] = [];
  m.operations.forEach((entry: unknown, index) => {
    const e = (entry ?? {}) as Record<string, unknown>;
    const id = typeof e.id === 'string' ? e.id : null;
    const name = typeof e.name === 'string' ? e.name : null;
    const problem = (message: string) => problems.push({ index, id, name, message });
    if (id === null || !HASH.test(id)) return problem('id must be the SHA-256 of the body, 64 lowercase hex digits');
    if (typeof e.body !== 'string' || e.body.length === 0 || e.body.length > MAX_BODY) return problem(`body must be the operation's text, at most ${MAX_BODY} characters`);
    if (typeof e.type !== 'string' || !TYPES.has(e.type)) return problem('type must be query, mutation or subscription');
    if (operationId(e.body) !== id) return problem('id is not the SHA-256 of the body');
    let document;
    try {
      document = parse(e.body);
    } catch (error) {
      return problem(`does not parse: ${(error as Error).message}`);
    }
    const invalid = validate(schema, document);
    if (invalid.length > 0) return problem(`does not validate against the current supergraph: ${invalid.map((v) => v.message).join('; ')}`);
    const operation = getOperationAST(document, name ?? undefined);
    if (!operation) return problem(name ? `the body has no operation named ${name}` : 'the body must hold one operation, or name it');
    const type = operation.operation as string;
    if (type !== e.type) return problem(`the body is a ${type}, not a ${e.type}`);
    operations.push({ id, name: operation.name?.value ?? name, type: operation.operation, body: e.body });
  });
  return { operations, problems };
}
