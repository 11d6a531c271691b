import { ERROR_CODES, type LatticeError } from '../../infrastructure/errors/error-codes';
import type { HttpAnswer } from '../core/feature';
import type { StoredAnswer } from './idempotency-store';

/** Sent on an answer that was stored earlier, not produced by this request. */
export const REPLAYED_HEADER = 'idempotent-replayed';

/** Codes that mean the operation did not get to run: its answer must not be replayed, a retry runs it. */
const NOT_RUN_CODES: ReadonlySet<string> = new Set<keyof typeof ERROR_CODES>(['SERVICE_UNAVAILABLE', 'INTERNAL_SERVER_ERROR', 'RATE_LIMITED']);

/**
 * Whether an answer says the mutation ran, so a retry must see it again rather than run again: a 200 whose body
 * is a GraphQL result, unless it has no data and every error is one of the not-run codes. A body that is not a
 * JSON result (unexpected on a 200) is not stored: better a retry that runs than a replay of something unreadable.
 */
export function answerShowsARun(answer: HttpAnswer): boolean {
  if (answer.status !== 200) return false;
  let result: unknown;
  try {
    result = JSON.parse(answer.body);
  } catch {
    return false;
  }
  if (typeof result !== 'object' || result === null || Array.isArray(result)) return false;
  const { data, errors } = result as { data?: unknown; errors?: unknown };
  if (data !== null && data !== undefined) return true;
  if (!Array.isArray(errors)) return false;
  return !errors.every((error: unknown) => NOT_RUN_CODES.has(codeOf(error) ?? ''));
}

function codeOf(error: unknown): string | undefined {
  const code = (error as { extensions?: { code?: unknown } } | null)?.extensions?.code;
  return typeof code === 'string' ? code : undefined;
}

export function storedFrom(answer: HttpAnswer): StoredAnswer {
  return { status: answer.status, contentType: answer.headers.get('content-type') ?? null, body: answer.body };
}

/** The stored answer sent again: its status, body and content type, marked as a replay. */
export function replayOf(stored: StoredAnswer): HttpAnswer {
  const headers = new Map<string, string>();
  if (stored.contentType !== null) headers.set('content-type', stored.contentType);
  headers.set(REPLAYED_HEADER, 'true');
  return { status: stored.status, headers, body: stored.body };
}

/** A refusal as the gateway sends every refusal: a GraphQL error body with its code and the request id, the code's status. */
export function refusal(error: LatticeError, requestId: string): HttpAnswer {
  const body = JSON.stringify({ errors: [{ message: error.message, extensions: { ...error.extensions, code: error.code, requestId } }] });
  return { status: ERROR_CODES[error.code].status, headers: new Map([['content-type', 'application/json; charset=utf-8']]), body };
}
