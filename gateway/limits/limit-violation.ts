import type { GraphQLFormattedError } from 'graphql';
import type { ErrorCode } from '../../infrastructure/errors/error-codes';

/** The codes an operation limit refuses with, taken from the one registry so a renamed code fails to compile here. */
export type LimitCode = Extract<
  ErrorCode,
  'TOKEN_LIMIT_EXCEEDED' | 'DEPTH_LIMIT_EXCEEDED' | 'ALIAS_LIMIT_EXCEEDED' | 'ROOT_FIELD_LIMIT_EXCEEDED' | 'DIRECTIVE_LIMIT_EXCEEDED' | 'COST_LIMIT_EXCEEDED'
>;

/**
 * One limit an operation exceeds: what the caller is told. `actual` is exact, except for the cost, which stops
 * being counted once it passes the limit (so it is a lower bound), and for the tokens of a text that stops being
 * GraphQL after the limit (counted up to there).
 */
export interface LimitViolation {
  code: LimitCode;
  message: string;
  limit: number;
  actual: number;
}

/** The refusal sent for a violation; `limit` and `actual` let a client tell how far over it was. */
export function violationError(violation: LimitViolation): GraphQLFormattedError {
  const { code, message, limit, actual } = violation;
  return { message, extensions: { code, limit, actual } };
}

/** Counts reported to a caller stay exact integers: a fragment bomb's count saturates instead of becoming Infinity. */
export function saturated(count: number): number {
  if (Number.isNaN(count) || count < 0) return 0;
  return Math.min(count, Number.MAX_SAFE_INTEGER);
}
