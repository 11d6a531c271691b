import { errors } from '../../infrastructure/errors/error-codes';
import type { OperationUse } from './registry-store';

/** At most this many entries per report; a gateway sends more in several. */
export const MAX_REPORT_ENTRIES = 5_000;
const MAX_COORDINATES = 2_000;
const MAX_TEXT = 100_000;
const DAY = /^\d{4}-\d{2}-\d{2}$/;
const HASH = /^[0-9a-f]{64}$/;

/** The wire format of a gateway's operation report (`recordOperations(report:)`), as JSON text. */
export interface OperationReport {
  readonly operations: readonly OperationUse[];
}

const isString = (value: unknown, max: number): value is string => typeof value === 'string' && value.length <= max;

/** Reads a report; anything malformed is refused whole (BAD_USER_INPUT), so nothing half-recorded. */
export function readOperationReport(text: string): OperationUse[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw errors.badInput('report', 'is not JSON');
  }
  const operations = (parsed as { operations?: unknown } | null)?.operations;
  if (!Array.isArray(operations) || operations.length > MAX_REPORT_ENTRIES) throw errors.badInput('report.operations', `must be a list of at most ${MAX_REPORT_ENTRIES} entries`);
  return operations.map((entry: unknown, i): OperationUse => {
    const e = (entry ?? {}) as Record<string, unknown>;
    const ok =
      isString(e.signatureHash, 64) && HASH.test(e.signatureHash) &&
      isString(e.signature, MAX_TEXT) &&
      (e.operationName === null || isString(e.operationName, 200)) &&
      Array.isArray(e.coordinates) && e.coordinates.length <= MAX_COORDINATES && e.coordinates.every((c) => isString(c, 300)) &&
      isString(e.clientName, 200) && isString(e.clientVersion, 100) &&
      isString(e.day, 10) && DAY.test(e.day) &&
      Number.isInteger(e.count) && (e.count as number) > 0;
    if (!ok) throw errors.badInput(`report.operations[${i}]`, 'is not an operation use');
    return {
      signatureHash: e.signatureHash as string,
      signature: e.signature as string,
      operationName: e.operationName as string | null,
      coordinates: e.coordinates as string[],
      clientName: e.clientName as string,
      clientVersion: e.clientVersion as string,
      day: e.day as string,
      count: e.count as number,
    };
  });
}
