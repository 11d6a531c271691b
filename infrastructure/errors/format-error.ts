import type { GraphQLFormattedError } from 'graphql';
import { ERROR_CODES, type ErrorCode } from './error-codes';

/**
 * Codes whose message was written for the caller. INTERNAL_SERVER_ERROR is not one of them: Apollo gives it to every
 * unexpected error (a driver's "invalid input syntax for type uuid", an address that refused a connection), and a
 * subgraph's arrives at the gateway with the same code, so its message is always replaced.
 */
const CALLER_CODES = new Set<string>(Object.keys(ERROR_CODES).filter((code) => code !== 'INTERNAL_SERVER_ERROR'));
/** Codes Apollo and graphql-js produce for malformed requests; their messages describe the request, not our internals. */
const REQUEST_ERROR_CODES: Record<string, ErrorCode> = {
  GRAPHQL_PARSE_FAILED: 'BAD_USER_INPUT',
  GRAPHQL_VALIDATION_FAILED: 'BAD_USER_INPUT',
  BAD_REQUEST: 'BAD_USER_INPUT',
  PERSISTED_QUERY_NOT_FOUND: 'BAD_USER_INPUT',
  OPERATION_RESOLUTION_FAILURE: 'BAD_USER_INPUT',
  // @apollo/gateway's code for an operation it cannot select ("Must provide operation name …").
  INVALID_GRAPHQL: 'BAD_USER_INPUT',
  PERSISTED_QUERY_NOT_SUPPORTED: 'BAD_USER_INPUT',
};

/**
 * Codes that say "unexpected", whoever set them: Apollo's for an error it did not expect, and @apollo/gateway's for a
 * subgraph error that carried no code. Their messages are internal and are replaced.
 */
const UNEXPECTED_CODES = new Set(['INTERNAL_SERVER_ERROR', 'DOWNSTREAM_SERVICE_ERROR', 'UNKNOWN']);
/** A code someone chose on purpose: UPPER_SNAKE_CASE, as GraphQL servers write them. */
const isDeliberateCode = (code: string) => /^[A-Z][A-Z0-9_]{0,63}$/.test(code) && !UNEXPECTED_CODES.has(code);

/**
 * Shapes every error before it leaves a server: a stable code, the request id, and never a stack trace,
 * SQL text or secret. Unknown errors are masked; the original goes to the log through `report`.
 */
export function formatErrorForClient(
  formatted: GraphQLFormattedError,
  requestId: string | undefined,
  report: (error: GraphQLFormattedError) => void,
): GraphQLFormattedError {
  const rawCode = typeof formatted.extensions?.code === 'string' ? formatted.extensions.code : undefined;
  const extensions: Record<string, unknown> = { ...(formatted.extensions ?? {}) };
  delete extensions.stacktrace;
  delete extensions.exception;
  // @apollo/gateway names the subgraph an error came from: the deployment's layout, not the caller's business. A
  // subgraph that is down is named on purpose, in `service` (SERVICE_UNAVAILABLE), by the gateway itself.
  delete extensions.serviceName;
  if (requestId) extensions.requestId = requestId;

  if (rawCode && CALLER_CODES.has(rawCode)) {
    return { ...formatted, extensions: { ...extensions, code: rawCode } };
  }
  if (rawCode && REQUEST_ERROR_CODES[rawCode]) {
    return { ...formatted, extensions: { ...extensions, code: REQUEST_ERROR_CODES[rawCode], reason: rawCode } };
  }
  // A subgraph's own code (the gateway in front of someone else's subgraphs): written for the caller, like ours.
  if (rawCode && isDeliberateCode(rawCode)) {
    return { ...formatted, extensions: { ...extensions, code: rawCode } };
  }
  // Argument coercion failures ("Variable "$x" got invalid value") are the caller's mistake and name the field.
  if (/^(Variable "\$|Argument "|Expected value of type|Field ".*" of required type)/.test(formatted.message)) {
    return { ...formatted, extensions: { ...extensions, code: 'BAD_USER_INPUT' } };
  }
  report(formatted);
  return {
    message: 'internal error: the request could not be completed; quote the requestId when reporting it',
    ...(formatted.path ? { path: formatted.path } : {}),
    extensions: { code: 'INTERNAL_SERVER_ERROR', ...(requestId ? { requestId } : {}) },
  };
}
