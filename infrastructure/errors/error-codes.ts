import { GraphQLError } from 'graphql';

/**
 * The one registry of error codes clients can rely on (`extensions.code`).
 * Each entry says what HTTP status a non-GraphQL endpoint would answer with; no other module spells a code.
 */
export const ERROR_CODES = {
  UNAUTHENTICATED: { status: 401 },
  FORBIDDEN: { status: 403 },
  TENANT_SUSPENDED: { status: 403 },
  NOT_FOUND: { status: 404 },
  CONFLICT: { status: 409 },
  BAD_USER_INPUT: { status: 400 },
  RATE_LIMITED: { status: 429 },
  /** Operation limits (gateway/limits): each refusal carries `extensions.limit` and `extensions.actual`. */
  TOKEN_LIMIT_EXCEEDED: { status: 400 },
  DEPTH_LIMIT_EXCEEDED: { status: 400 },
  ALIAS_LIMIT_EXCEEDED: { status: 400 },
  ROOT_FIELD_LIMIT_EXCEEDED: { status: 400 },
  DIRECTIVE_LIMIT_EXCEEDED: { status: 400 },
  COST_LIMIT_EXCEEDED: { status: 400 },
  BATCHING_DISABLED: { status: 400 },
  BATCH_LIMIT_EXCEEDED: { status: 400 },
  INTERNAL_SERVER_ERROR: { status: 500 },
  SERVICE_UNAVAILABLE: { status: 503 },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** An error whose message is safe to show the caller. Anything else is masked as INTERNAL_SERVER_ERROR. */
export class LatticeError extends GraphQLError {
  constructor(
    readonly code: ErrorCode,
    message: string,
    extra: Record<string, unknown> = {},
  ) {
    super(message, { extensions: { ...extra, code } });
    this.name = 'LatticeError';
  }
}

const SHOWN_LENGTH = 64;

/** A caller's value quoted back in a message: JSON, and cut short so a megabyte of input is not echoed. */
function shown(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > SHOWN_LENGTH ? `${text.slice(0, SHOWN_LENGTH)}…` : text;
}

export const errors = {
  unauthenticated: (message = 'authentication required: send a valid access token as "Authorization: Bearer <token>"') =>
    new LatticeError('UNAUTHENTICATED', message),
  forbidden: (message: string) => new LatticeError('FORBIDDEN', message),
  notFound: (what: string, id: string) => new LatticeError('NOT_FOUND', `${what} ${JSON.stringify(id)} was not found`),
  conflict: (message: string) => new LatticeError('CONFLICT', message),
  badInput: (field: string, message: string) => new LatticeError('BAD_USER_INPUT', `${field}: ${message}`, { field }),
  /** `argument "input.organizationId" of Mutation.createDepartment must be a UUID … (got "x")`, before anything looks the id up. */
  malformedId: (argument: string, field: string, coordinate: string, expected: string, got: unknown) =>
    new LatticeError('BAD_USER_INPUT', `argument ${JSON.stringify(argument)} of ${field} must be ${expected} (got ${shown(got)})`, { field: argument, coordinate }),
  unavailable: (message: string) => new LatticeError('SERVICE_UNAVAILABLE', message),
  rateLimited: (message: string) => new LatticeError('RATE_LIMITED', message),
  tenantSuspended: (slug: string) => new LatticeError('TENANT_SUSPENDED', `tenant ${JSON.stringify(slug)} is suspended; contact your platform administrator`),
};

export function isLatticeError(error: unknown): error is LatticeError {
  return error instanceof LatticeError;
}
