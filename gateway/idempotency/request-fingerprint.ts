import { createHash } from 'node:crypto';

/** What a retry must repeat exactly to be the same request. */
export interface FingerprintedRequest {
  readonly query: string;
  readonly operationName: string | null;
  readonly variables: Readonly<Record<string, unknown>>;
}

/**
 * SHA-256 (hex) of the request's canonical JSON: a client that re-serializes its variables in another key order
 * still sends the same request, one that changes a value does not.
 */
export function requestFingerprint(request: FingerprintedRequest): string {
  const canonical = canonicalJson({ query: request.query, operationName: request.operationName, variables: request.variables });
  return createHash('sha256').update(canonical).digest('hex');
}

/** JSON with every object's keys sorted (arrays keep their order); what JSON.stringify drops is dropped here too. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortedKeys(value)) ?? 'null';
}

function sortedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedKeys);
  if (value === null || typeof value !== 'object') return value;
  // A Date or any other object with toJSON is serialized as JSON.stringify would, before its keys are sorted.
  const plain = typeof (value as { toJSON?: unknown }).toJSON === 'function' ? (value as { toJSON: () => unknown }).toJSON() : value;
  if (plain === null || typeof plain !== 'object') return plain;
  if (Array.isArray(plain)) return plain.map(sortedKeys);
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(plain).sort()) sorted[key] = sortedKeys((plain as Record<string, unknown>)[key]);
  return sorted;
}
