import { z } from 'zod';
import type { ErrorCode } from '../../infrastructure/errors/error-codes';

/**
 * A small typed client of the schema registry's GraphQL API (`/registry/graphql`), one method per operation.
 * Every failure is a RegistryError whose kind says what went wrong, so a caller decides what each kind means
 * (the CLI's exit codes) in one place instead of inspecting HTTP statuses and GraphQL error codes itself.
 */

export type RegistryErrorKind = 'connection' | 'credential' | 'not-found' | 'conflict' | 'bad-input' | 'unexpected';

export class RegistryError extends Error {
  constructor(
    readonly kind: RegistryErrorKind,
    message: string,
    /** For a conflict: the version of the publish that won, from the error's `extensions.currentVersion`. */
    readonly currentVersion?: number,
  ) {
    super(message);
    this.name = 'RegistryError';
  }
}

// The answers are decoded, not cast: the server is written separately, and a field it spells differently should be
// one clear "unexpected answer" line rather than a TypeError deep inside a report.
const recordedOperation = z.object({
  signatureHash: z.string(),
  operationName: z.string().nullable(),
  clientName: z.string().nullable(),
  clientVersion: z.string().nullable(),
  count: z.number().int(),
  lastSeen: z.string(),
});
const schemaChange = z.object({
  /** BREAKING | DANGEROUS | SAFE; kept a string so a criticality added later is shown rather than refused. */
  criticality: z.string(),
  type: z.string(),
  message: z.string(),
  path: z.string().nullable(),
  affectedOperations: z.array(recordedOperation),
});
const schemaCheck = z.object({
  passed: z.boolean(),
  subgraph: z.string(),
  baseVersion: z.number().int().nullable(),
  composition: z.object({
    passed: z.boolean(),
    errors: z.array(
      z.object({
        code: z.string(),
        message: z.string(),
        locations: z.array(z.object({ subgraph: z.string().nullable(), line: z.number().int(), column: z.number().int() })),
      }),
    ),
  }),
  changes: z.array(schemaChange),
  operations: z.object({ passed: z.boolean(), windowDays: z.number().int(), checked: z.number().int(), affected: z.array(recordedOperation) }),
  lint: z.object({
    passed: z.boolean(),
    messages: z.array(z.object({ rule: z.string(), severity: z.string(), message: z.string(), coordinate: z.string().nullable() })),
  }),
});
const registrySubgraph = z.object({
  name: z.string(),
  version: z.number().int(),
  url: z.string(),
  author: z.string(),
  commit: z.string().nullable(),
  publishedAt: z.string(),
});
const registrySupergraph = z.object({
  id: z.string(),
  sdl: z.string(),
  createdAt: z.string(),
  subgraphs: z.array(z.object({ name: z.string(), version: z.number().int() })),
});
const publishResult = z.object({
  published: z.boolean(),
  version: z.number().int().nullable(),
  supergraphId: z.string().nullable(),
  check: schemaCheck,
});

const registerOperationsResult = z.object({
  registered: z.number().int(),
  alreadyKnown: z.number().int(),
  problems: z.array(z.object({ index: z.number().int(), id: z.string().nullable(), name: z.string().nullable(), message: z.string() })),
});

export type RegisterOperationsResult = z.infer<typeof registerOperationsResult>;
export type RecordedOperation = z.infer<typeof recordedOperation>;
export type SchemaChange = z.infer<typeof schemaChange>;
export type SchemaCheck = z.infer<typeof schemaCheck>;
export type RegistrySubgraph = z.infer<typeof registrySubgraph>;
export type RegistrySupergraph = z.infer<typeof registrySupergraph>;
export type PublishResult = z.infer<typeof publishResult>;

export interface CheckSubgraphInput {
  subgraph: string;
  sdl: string;
  windowDays?: number;
}

export interface PublishSubgraphInput {
  subgraph: string;
  sdl: string;
  url: string;
  author: string;
  commit: string | null;
  /** Registers a subgraph the registry does not know yet; without it an unknown name is NOT_FOUND. */
  new?: boolean;
}

const OPERATION_FIELDS = 'signatureHash operationName clientName clientVersion count lastSeen';
const CHANGE_FIELDS = `criticality type message path affectedOperations { ${OPERATION_FIELDS} }`;
const CHECK_FIELDS = `passed subgraph baseVersion
  composition { passed errors { code message locations { subgraph line column } } }
  changes { ${CHANGE_FIELDS} }
  operations { passed windowDays checked affected { ${OPERATION_FIELDS} } }
  lint { passed messages { rule severity message coordinate } }`;

/** One operation of the contract: its document, the root field it answers under and how to decode that field. */
interface Operation<T> {
  field: string;
  document: string;
  result: z.ZodType<T>;
}

const OPERATIONS = {
  registrySubgraphs: {
    field: 'registrySubgraphs',
    document: 'query RegistrySubgraphs { registrySubgraphs { name version url author commit publishedAt } }',
    result: z.array(registrySubgraph),
  },
  registrySupergraph: {
    field: 'registrySupergraph',
    document: 'query RegistrySupergraph { registrySupergraph { id sdl createdAt subgraphs { name version } } }',
    result: registrySupergraph.nullable(),
  },
  registryDiff: {
    field: 'registryDiff',
    document: `query RegistryDiff($subgraph: String!, $from: Int!, $to: Int!) { registryDiff(subgraph: $subgraph, from: $from, to: $to) { ${CHANGE_FIELDS} } }`,
    result: z.array(schemaChange),
  },
  checkSubgraph: {
    field: 'checkSubgraph',
    document: `mutation CheckSubgraph($input: CheckSubgraphInput!) { checkSubgraph(input: $input) { ${CHECK_FIELDS} } }`,
    result: schemaCheck,
  },
  publishSubgraph: {
    field: 'publishSubgraph',
    document: `mutation PublishSubgraph($input: PublishSubgraphInput!) { publishSubgraph(input: $input) { published version supergraphId check { ${CHECK_FIELDS} } } }`,
    result: publishResult,
  },
  registerPersistedOperations: {
    field: 'registerPersistedOperations',
    document: 'mutation RegisterPersistedOperations($input: RegisterOperationsInput!) { registerPersistedOperations(input: $input) { registered alreadyKnown problems { index id name message } } }',
    result: registerOperationsResult,
  },
} satisfies Record<string, Operation<unknown>>;

const CREDENTIAL_CODES: ReadonlySet<string> = new Set<ErrorCode>(['UNAUTHENTICATED', 'FORBIDDEN', 'TENANT_SUSPENDED']);
const KIND_BY_CODE: ReadonlyMap<string, RegistryErrorKind> = new Map<ErrorCode, RegistryErrorKind>([
  ['NOT_FOUND', 'not-found'],
  ['CONFLICT', 'conflict'],
  ['BAD_USER_INPUT', 'bad-input'],
]);
/** Set by the server's error formatter on BAD_USER_INPUT when the document itself was refused: this client and the server disagree on the contract. */
const CONTRACT_REASONS: ReadonlySet<string> = new Set(['GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED']);

const DEFAULT_TIMEOUT_MS = 60_000;

export interface RegistryClientOptions {
  /** The registry's origin, such as http://localhost:4000; the API is at `<origin>/registry/graphql`. */
  url: string;
  /** Sent as `authorization: Bearer <token>`: an access token or a `lat_` API key. */
  token: string | undefined;
  fetch: typeof fetch;
  /** How long one request may take before the registry counts as unreachable. */
  timeoutMs?: number;
}

const graphqlError = z.object({ message: z.string(), extensions: z.record(z.string(), z.unknown()).optional() });
const graphqlResponse = z.object({ data: z.record(z.string(), z.unknown()).nullable().optional(), errors: z.array(graphqlError).optional() });
type GraphqlError = z.infer<typeof graphqlError>;

export class RegistryClient {
  /** Where every request goes; shown in connection errors so the reader sees which address was tried. */
  readonly endpoint: string;
  private readonly timeoutMs: number;

  constructor(private readonly options: RegistryClientOptions) {
    // Appended rather than resolved against the origin, so a registry behind a path prefix (https://host/lattice) works too.
    this.endpoint = `${options.url.replace(/\/+$/, '')}/registry/graphql`;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  registrySubgraphs(): Promise<RegistrySubgraph[]> {
    return this.request(OPERATIONS.registrySubgraphs, {});
  }

  /** Null when nothing has been composed yet. */
  registrySupergraph(): Promise<RegistrySupergraph | null> {
    return this.request(OPERATIONS.registrySupergraph, {});
  }

  registryDiff(subgraph: string, from: number, to: number): Promise<SchemaChange[]> {
    return this.request(OPERATIONS.registryDiff, { subgraph, from, to });
  }

  checkSubgraph(input: CheckSubgraphInput): Promise<SchemaCheck> {
    return this.request(OPERATIONS.checkSubgraph, { input });
  }

  /** A refusal (`published: false`) is an answer, not an error; a publish that lost a race is a 'conflict' error. */
  publishSubgraph(input: PublishSubgraphInput): Promise<PublishResult> {
    return this.request(OPERATIONS.publishSubgraph, { input });
  }

  /** A refused manifest (problems listed, nothing stored) is an answer, not an error. */
  registerPersistedOperations(input: { clientName: string; manifest: string }): Promise<RegisterOperationsResult> {
    return this.request(OPERATIONS.registerPersistedOperations, { input });
  }

  private async request<T>(operation: Operation<T>, variables: Record<string, unknown>): Promise<T> {
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json' };
    if (this.options.token) headers.authorization = `Bearer ${this.options.token}`;
    let status: number;
    let text: string;
    try {
      const response = await this.options.fetch(this.endpoint, {
        method: 'POST',
        headers,
        body: JSON.stringify({ query: operation.document, variables }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      status = response.status;
      text = await response.text();
    } catch (error) {
      throw new RegistryError('connection', `the registry at ${this.endpoint} ${this.unreachableReason(error)}`);
    }

    const body = decodeJson(text);
    const errors = body?.errors ?? [];
    if (status === 401 || status === 403) {
      const reason = errors[0]?.message ?? `HTTP ${status}`;
      throw new RegistryError('credential', `the registry refused the credentials: ${reason}`);
    }
    if (errors.length > 0) throw this.errorFor(errors[0]!, operation.field);
    if (body === undefined || status < 200 || status >= 300) {
      throw new RegistryError('unexpected', `the registry at ${this.endpoint} answered HTTP ${status} without a GraphQL response`);
    }
    const decoded = operation.result.safeParse(body.data?.[operation.field]);
    if (!decoded.success) {
      const issue = decoded.error.issues[0];
      const where = issue && issue.path.length > 0 ? ` at ${[operation.field, ...issue.path].join('.')}` : ` at ${operation.field}`;
      throw new RegistryError('unexpected', `the registry's answer does not match the contract${where}: ${issue?.message ?? 'invalid'}`);
    }
    return decoded.data;
  }

  private errorFor(error: GraphqlError, field: string): RegistryError {
    const code = typeof error.extensions?.code === 'string' ? error.extensions.code : undefined;
    const reason = typeof error.extensions?.reason === 'string' ? error.extensions.reason : undefined;
    if (code && CREDENTIAL_CODES.has(code)) return new RegistryError('credential', `the registry refused the credentials: ${error.message}`);
    if (reason && CONTRACT_REASONS.has(reason)) {
      return new RegistryError('unexpected', `the registry does not accept this client's ${field} request (is the registry a different version?): ${error.message}`);
    }
    const kind = code ? KIND_BY_CODE.get(code) : undefined;
    if (kind === 'conflict') {
      const currentVersion = error.extensions?.currentVersion;
      return new RegistryError('conflict', error.message, typeof currentVersion === 'number' ? currentVersion : undefined);
    }
    if (kind) return new RegistryError(kind, error.message);
    const requestId = typeof error.extensions?.requestId === 'string' ? `, request id ${error.extensions.requestId}` : '';
    return new RegistryError('unexpected', `the registry failed on ${field}: ${error.message} (${code ?? 'no error code'}${requestId})`);
  }

  private unreachableReason(error: unknown): string {
    if (property(error, 'name') === 'TimeoutError') return `did not answer within ${this.timeoutMs / 1000} seconds`;
    // fetch reports "fetch failed" and keeps the socket's reason (ECONNREFUSED, ENOTFOUND, …) as its cause.
    const cause = property(error, 'cause');
    const detail = [property(cause, 'code'), property(cause, 'message'), property(error, 'message')].find((text) => typeof text === 'string');
    return `is unreachable (${typeof detail === 'string' ? detail : String(error)})`;
  }
}

/** The body as a GraphQL response, or undefined when it is not one (an HTML error page from a proxy, say). */
function decodeJson(text: string): z.infer<typeof graphqlResponse> | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  const decoded = graphqlResponse.safeParse(parsed);
  return decoded.success ? decoded.data : undefined;
}

/** A property of a thrown value, read by shape: fetch's errors are not `instanceof Error` of every realm (Jest's, say). */
function property(value: unknown, key: 'name' | 'cause' | 'code' | 'message'): unknown {
  return typeof value === 'object' && value !== null && key in value ? (value as Record<typeof key, unknown>)[key] : undefined;
}
