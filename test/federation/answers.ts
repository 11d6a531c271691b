/**
 * How the differential suite reads an answer, and the few normalizations that make two gateways' answers comparable.
 * Each one is something a gateway adds or rewrites on purpose, by a documented policy; everything else is compared
 * as sent, and `data` is never normalized.
 */

/** A GraphQL-over-HTTP answer as it arrived. */
export interface RawAnswer {
  readonly status: number;
  readonly body: { data?: unknown; errors?: readonly RawError[] };
}

interface RawError {
  readonly message: string;
  readonly path?: readonly (string | number)[];
  readonly locations?: readonly { line: number; column: number }[];
  readonly extensions?: Readonly<Record<string, unknown>>;
}

/** One error as compared: where it is, what kind, and its message and extensions when no gateway rewrites them. */
export interface ComparedError {
  readonly path: readonly (string | number)[] | null;
  readonly code: string | null;
  /** null for the codes whose message a gateway writes itself (REWORDED_CODES). */
  readonly message: string | null;
  readonly locations: readonly { line: number; column: number }[] | null;
  /** Every extension but the code and the ones a gateway adds (ADDED_EXTENSIONS); empty for REWORDED_CODES. */
  readonly extensions: Readonly<Record<string, unknown>>;
}

/** An answer as compared between the two gateways. */
export interface ComparedAnswer {
  readonly status: number;
  /** `undefined` when the answer has no `data` entry (a request error), `null` when data itself is null. */
  readonly data: unknown;
  readonly errors: readonly ComparedError[];
}

/**
 * What stock @apollo/gateway writes for a subgraph it could not reach: node-fetch's "request to <url> failed,
 * reason: connect ECONNREFUSED …" as INTERNAL_SERVER_ERROR. Lattice reports the same failure as SERVICE_UNAVAILABLE,
 * naming the subgraph instead of its address (gateway/core/subgraph-calls.ts, unavailableError).
 */
const STOCK_FETCH_FAILURE = /^request to \S+ failed, reason: /;

/**
 * Codes whose message a gateway writes itself: Lattice replaces every INTERNAL_SERVER_ERROR message with a generic
 * one (infrastructure/errors/format-error.ts) and words SERVICE_UNAVAILABLE its own way; stock keeps the raw text.
 */
const REWORDED_CODES = new Set(['INTERNAL_SERVER_ERROR', 'SERVICE_UNAVAILABLE']);

/**
 * Extensions one gateway adds by its own policy: Lattice's `requestId` on every error; stock's `serviceName` (the
 * subgraph an error came from), which Lattice removes on purpose (format-error.ts: the deployment's layout).
 */
const ADDED_EXTENSIONS = ['requestId', 'serviceName'];

function codeOf(error: RawError): string | null {
  const code = error.extensions?.code;
  if (isMappedRequestError(error)) return String(error.extensions?.reason);
  if (code === 'INTERNAL_SERVER_ERROR' && STOCK_FETCH_FAILURE.test(error.message)) return 'SERVICE_UNAVAILABLE';
  return typeof code === 'string' ? code : null;
}

/**
 * Lattice answers an invalid request with BAD_USER_INPUT and keeps Apollo's code (GRAPHQL_VALIDATION_FAILED, …) in
 * `reason` (format-error.ts, REQUEST_ERROR_CODES); stock sends Apollo's code as `code`.
 */
function isMappedRequestError(error: RawError): boolean {
  const reason = error.extensions?.reason;
  return error.extensions?.code === 'BAD_USER_INPUT' && typeof reason === 'string' && reason.startsWith('GRAPHQL_');
}

function extensionsOf(error: RawError, code: string | null): Record<string, unknown> {
  if (code !== null && REWORDED_CODES.has(code)) return {};
  const rest: Record<string, unknown> = { ...error.extensions };
  for (const name of ['code', ...ADDED_EXTENSIONS]) delete rest[name];
  if (isMappedRequestError(error)) delete rest.reason;
  return rest;
}

const errorKey = (e: { path?: readonly (string | number)[] | null; code: string | null }) => JSON.stringify([e.path ?? [], e.code]);
const byPathAndCode = <T extends { path?: readonly (string | number)[] | null; code: string | null }>(a: T, b: T) => errorKey(a).localeCompare(errorKey(b));

/**
 * The answer as compared: status, data and errors as sent, except the extensions a gateway adds (ADDED_EXTENSIONS),
 * the message and extensions of the codes a gateway rewrites (REWORDED_CODES), Lattice's renaming of request-error
 * codes (codeOf), and the order of `errors`, which the spec leaves open (sorted here by path and code).
 */
export function comparedAnswer(answer: RawAnswer): ComparedAnswer {
  const errors = (answer.body.errors ?? []).map((error): ComparedError => {
    const code = codeOf(error);
    return {
      path: error.path ?? null,
      code,
      message: code !== null && REWORDED_CODES.has(code) ? null : error.message,
      locations: error.locations ?? null,
      extensions: extensionsOf(error, code),
    };
  });
  return { status: answer.status, data: answer.body.data, errors: errors.sort(byPathAndCode) };
}

/** What a case says an answer must be, written by hand from the in-memory data and the federation spec. */
export interface ExpectedAnswer {
  /** The HTTP status, checked when given (the pair of gateways is always compared on it). */
  readonly status?: number;
  /** Omitted: the answer has no `data` entry (the request was refused before execution). */
  readonly data?: unknown;
  readonly errors?: readonly ExpectedError[];
}

export interface ExpectedError {
  /** Omitted: an error that names no field (a failed fetch, a refused request). */
  readonly path?: readonly (string | number)[];
  readonly code: string;
  /** Checked when given: for messages written for the caller (a subgraph's BAD_USER_INPUT, a validation error). */
  readonly message?: string;
}

/** `answer` in the shape of `expected`: the same fields, messages only where `expected` gives one. */
export function asExpected(answer: ComparedAnswer, expected: ExpectedAnswer): { status?: number; data?: unknown; errors: ExpectedError[] } {
  const wanted = [...(expected.errors ?? [])].sort((a, b) => byPathAndCode({ path: a.path ?? null, code: a.code }, { path: b.path ?? null, code: b.code }));
  const errors = answer.errors.map((error, i): ExpectedError => ({
    ...(error.path === null ? {} : { path: error.path }),
    code: error.code ?? '(no code)',
    ...(wanted[i]?.message !== undefined ? { message: error.message ?? '(reworded by the gateway)' } : {}),
  }));
  return { ...(expected.status === undefined ? {} : { status: answer.status }), ...(answer.data === undefined ? {} : { data: answer.data }), errors };
}

/** `expected` in the shape asExpected gives, so the two compare with toEqual. */
export function normalizedExpected(expected: ExpectedAnswer): { status?: number; data?: unknown; errors: ExpectedError[] } {
  const errors = [...(expected.errors ?? [])].sort((a, b) => byPathAndCode({ path: a.path ?? null, code: a.code }, { path: b.path ?? null, code: b.code }));
  return { ...(expected.status === undefined ? {} : { status: expected.status }), ...(expected.data === undefined ? {} : { data: expected.data }), errors };
}
