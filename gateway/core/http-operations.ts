import type { IncomingMessage } from 'node:http';
import { HeaderMap, type HTTPGraphQLRequest, type HTTPGraphQLResponse } from '@apollo/server';
import { Kind, OperationTypeNode, type DocumentNode, type GraphQLFormattedError, type OperationDefinitionNode } from 'graphql';
import { LruMap } from '../../infrastructure/cache/lru-map';
import type { OperationLimitSettings } from '../../infrastructure/config/config';
import { ANONYMOUS } from '../../infrastructure/context/request-context';
import { ERROR_CODES, type ErrorCode } from '../../infrastructure/errors/error-codes';
import { violationError } from '../limits/limit-violation';
import { parseWithinTokenLimit } from '../limits/token-limit';
import { takeAnswerFacts, type AnswerFacts, type VersionRuntime } from './apollo-runtime';
import type { ConnectionInput, GatewayContext, GatewayFeature, HttpAnswer, HttpOperation, OperationResolution, RequestedOperation, ResponseRecord } from './feature';

type OperationType = ResponseRecord['operationType'];

/** What one HTTP request asks to run, read from a POST body (one element of a batch) or GET parameters. */
interface ReadRequest {
  readonly query: string | null;
  readonly operationName: string | null;
  readonly variables: Readonly<Record<string, unknown>>;
  readonly persistedId: string | null;
  /** What is wrong with the request's shape, when the gateway can say it better than Apollo would. */
  readonly malformed: string | null;
}

/** One operation's answer and what onResponse needs to know of it. */
interface Answered {
  readonly answer: HttpAnswer;
  readonly operationName: string | null;
  readonly operationType: OperationType;
  readonly facts: AnswerFacts;
}

const JSON_TYPE = 'application/json; charset=utf-8';
/**
 * Parsed documents kept, by text: clients send few distinct operations, an attacker many, so the cache is small and
 * holds only short texts (a cache of large documents would hold far more memory than it saves).
 */
const PARSED_DOCUMENTS = 500;
const CACHED_TEXT_LENGTH = 8 * 1024;

export interface HttpOperationsOptions {
  features: readonly GatewayFeature[];
  limits: OperationLimitSettings;
  live: () => VersionRuntime;
  contextFor: (input: ConnectionInput) => Promise<GatewayContext | { refused: GraphQLFormattedError; context: GatewayContext }>;
  connectionOf: (req: IncomingMessage) => ConnectionInput;
}

/**
 * The gateway's `/graphql` over HTTP, in the order a request meets it: batches refused (or counted), every feature's
 * context step (authentication, tenant status, rate limits), `resolveOperation` (persisted ids, the safelist), the
 * parse within the token limit, `inspectDocument` (the operation limits), then `aroundHttpOperation` (idempotency)
 * around the run on the live supergraph. Refusals are answered here, before Apollo validates or plans anything; every
 * answer, refusals included, goes through `willSendResponse` and `onResponse`.
 */
export function httpOperations(options: HttpOperationsOptions): (request: HTTPGraphQLRequest, req: IncomingMessage) => Promise<HTTPGraphQLResponse> {
  const { features, limits, live } = options;
  const decorators = features.filter((f) => f.willSendResponse);
  const recorders = features.filter((f) => f.onResponse);
  const resolvers = features.filter((f) => f.resolveOperation);
  const inspectors = features.filter((f) => f.inspectDocument);
  const wrappers = features.filter((f) => f.aroundHttpOperation);
  const documents = new LruMap<string, ReturnType<typeof parseWithinTokenLimit>>(PARSED_DOCUMENTS);

  const parse = (query: string) => {
    if (query.length > CACHED_TEXT_LENGTH) return parseWithinTokenLimit(query, limits.maxTokens);
    let parsed = documents.get(query);
    if (!parsed) documents.set(query, (parsed = parseWithinTokenLimit(query, limits.maxTokens)));
    return parsed;
  };

  /** A refusal the gateway writes itself, decorated like every answer (x-request-id). */
  const refuse = (context: GatewayContext, error: GraphQLFormattedError, operationName: string | null): Answered => {
    const answered = refused(context, error, operationName);
    const { errors } = bodyOf(answered.answer.body);
    for (const feature of decorators) feature.willSendResponse!(context, { headers: answered.answer.headers, errors });
    return answered;
  };

  /** Runs one operation (a request, or one element of a batch) once its caller is known. */
  const runOne = async (request: HTTPGraphQLRequest, read: ReadRequest, context: GatewayContext): Promise<Answered> => {
    if (read.malformed) return refuse(context, { message: read.malformed, extensions: { code: 'BAD_USER_INPUT' } }, read.operationName);
    let operationName = read.operationName;
    let query = read.query;
    let runnable = request;
    if (resolvers.length > 0) {
      const requested: RequestedOperation = { query, persistedId: read.persistedId, operationName };
      const resolution = firstResolution(resolvers, requested, context);
      if (resolution && 'refuse' in resolution) return refuse(context, resolution.refuse, operationName);
      if (resolution) {
        query = resolution.query;
        runnable = withQuery(request, query);
      }
    }
    let operationType: OperationType = null;
    if (query !== null) {
      const parsed = parse(query);
      // A syntax error is Apollo's to describe, as it always has been; only a token bomb is refused before it parses.
      if ('violation' in parsed) return refuse(context, violationError(parsed.violation), operationName);
      if ('document' in parsed) {
        const operation = selectOperation(parsed.document, operationName);
        const unrunnable = operation ? unrunnableOverHttp(operation) : unselectable(parsed.document, operationName);
        if (unrunnable) return refuse(context, { message: unrunnable, extensions: { code: 'BAD_USER_INPUT' } }, operationName);
        operationType = operation?.operation ?? null;
        operationName ??= operation?.name?.value ?? null;
        const version = live().version;
        for (const feature of inspectors) {
          const refusal = feature.inspectDocument!({ context, document: parsed.document, operationName: read.operationName, variables: read.variables, version });
          if (refusal) return { ...refuse(context, refusal, operationName), operationType };
        }
      }
    }
    const operation: HttpOperation = {
      context,
      headers: headersOf(request),
      operationType,
      query: query ?? '',
      operationName,
      variables: read.variables,
    };
    const run = async (): Promise<HttpAnswer> => answerOf(await live().execute(runnable, context));
    const chain = wrappers.reduceRight<() => Promise<HttpAnswer>>((next, feature) => () => feature.aroundHttpOperation!(operation, next), run);
    const answer = await chain();
    const facts = takeAnswerFacts(context);
    if (facts) return { answer, operationName, operationType, facts };
    // Not answered by Apollo just now (a feature answered: an idempotent replay): its headers are decorated here.
    const { errors } = bodyOf(answer.body);
    for (const feature of decorators) feature.willSendResponse!(context, { headers: answer.headers, errors });
    return { answer, operationName, operationType, facts: factsOf(bodyOf(answer.body)) };
  };

  const finish = (context: GatewayContext, answered: Answered, started: number): HTTPGraphQLResponse => {
    const { answer, facts } = answered;
    if (recorders.length > 0) {
      const record: ResponseRecord = {
        context,
        transport: 'http',
        operationName: answered.operationName,
        operationType: answered.operationType,
        status: answer.status,
        errorCodes: facts.errorCodes,
        hasData: facts.hasData,
        durationMs: performance.now() - started,
      };
      for (const feature of recorders) {
        try {
          feature.onResponse!(record);
        } catch {
          // onResponse must not throw; a recorder that does loses its record, never the caller's answer.
        }
      }
    }
    const headers = new HeaderMap();
    for (const [name, value] of answer.headers) headers.set(name, value);
    return { status: answer.status, headers, body: { kind: 'complete', string: answer.body } };
  };

  return async (request, req) => {
    const started = performance.now();
    const connection = options.connectionOf(req);
    const batch = request.method === 'POST' && Array.isArray(request.body) ? (request.body as unknown[]) : null;
    if (batch) {
      const refusal = batchRefusal(batch.length, limits.batching);
      if (refusal) {
        const context = anonymousContext(connection);
        return finish(context, refuse(context, refusal, null), started);
      }
    }
    const resolved = await options.contextFor(batch ? { ...connection, operationCount: batch.length } : connection);
    if ('refused' in resolved) return finish(resolved.context, refuse(resolved.context, resolved.refused, null), started);
    const context = resolved;
    if (!batch) return finish(context, await runOne(request, readRequest(request), context), started);
    // A batch runs its operations one after the other on one context, and answers them as one JSON array.
    const answers: Answered[] = [];
    for (const element of batch) {
      const one: HTTPGraphQLRequest = { ...request, body: element };
      answers.push(await runOne(one, readRequest(one), context));
    }
    const combined: Answered = {
      answer: { status: 200, headers: new Map([['content-type', JSON_TYPE], ['x-request-id', context.request.requestId]]), body: `[${answers.map((a) => a.answer.body).join(',')}]` },
      operationName: answers.map((a) => a.operationName ?? '').join(',') || null,
      operationType: answers[0]?.operationType ?? null,
      facts: { errorCodes: answers.flatMap((a) => a.facts.errorCodes), hasData: answers.some((a) => a.facts.hasData) },
    };
    return finish(context, combined, started);
  };
}

/** A refusal the gateway writes itself: the error's code picks the status; a `retryAfterSeconds` becomes `Retry-After`. */
function refused(context: GatewayContext, error: GraphQLFormattedError, operationName: string | null): Answered {
  const code = typeof error.extensions?.code === 'string' ? error.extensions.code : 'BAD_USER_INPUT';
  const status = code in ERROR_CODES ? ERROR_CODES[code as ErrorCode].status : 400;
  const headers = new Map([['content-type', JSON_TYPE]]);
  const retryAfter = error.extensions?.retryAfterSeconds;
  if (typeof retryAfter === 'number') headers.set('retry-after', String(Math.max(1, Math.ceil(retryAfter))));
  const body = { errors: [{ ...error, extensions: { ...error.extensions, code, requestId: context.request.requestId } }] };
  return { answer: { status, headers, body: JSON.stringify(body) }, operationName, operationType: null, facts: { errorCodes: [code], hasData: false } };
}

function batchRefusal(size: number, batching: OperationLimitSettings['batching']): GraphQLFormattedError | null {
  if (!batching.enabled) {
    return { message: 'batched requests (a JSON array of operations) are not accepted; send one operation per request', extensions: { code: 'BATCHING_DISABLED' } };
  }
  if (size === 0) return { message: 'the batch is empty: send at least one operation', extensions: { code: 'BAD_USER_INPUT' } };
  if (size > batching.maxBatchSize) {
    return {
      message: `the batch holds ${size} operations; at most ${batching.maxBatchSize} are accepted in one request`,
      extensions: { code: 'BATCH_LIMIT_EXCEEDED', limit: batching.maxBatchSize, actual: size },
    };
  }
  return null;
}

/** The context of a request refused before any feature ran: anonymous, with its request id. */
function anonymousContext(input: ConnectionInput): GatewayContext {
  return { request: { principal: ANONYMOUS, requestId: input.requestId, ipAddress: input.ipAddress, userAgent: input.userAgent } };
}

function firstResolution(resolvers: readonly GatewayFeature[], requested: RequestedOperation, context: GatewayContext): OperationResolution | null {
  for (const feature of resolvers) {
    const answer = feature.resolveOperation!(requested, context);
    if (answer !== null) return answer;
  }
  return null;
}

/** The query, operation name, variables and persisted id of a request, from GET parameters or a JSON object body. */
function readRequest(request: HTTPGraphQLRequest): ReadRequest {
  const get = request.method === 'GET' ? new URLSearchParams(request.search) : null;
  const body = get === null && request.body !== null && typeof request.body === 'object' && !Array.isArray(request.body) ? (request.body as Record<string, unknown>) : null;
  const read = (name: string): unknown => (get ? get.get(name) : body?.[name]);
  const json = (value: unknown): unknown => {
    if (typeof value !== 'string') return value;
    try {
      return JSON.parse(value) as unknown;
    } catch {
      return null;
    }
  };
  const query = read('query');
  const operationName = read('operationName');
  const variables = json(read('variables'));
  const persisted = (json(read('extensions')) as { persistedQuery?: { version?: unknown; sha256Hash?: unknown } } | null)?.persistedQuery;
  const hash = persisted?.sha256Hash;
  const malformed =
    persisted !== undefined && (persisted === null || typeof persisted !== 'object' || persisted.version !== 1 || typeof hash !== 'string')
      ? 'extensions.persistedQuery must be { "version": 1, "sha256Hash": "<hex SHA-256 of the operation text>" }'
      : null;
  return {
    malformed,
    query: typeof query === 'string' && query !== '' ? query : null,
    operationName: typeof operationName === 'string' && operationName !== '' ? operationName : null,
    variables: variables !== null && typeof variables === 'object' && !Array.isArray(variables) ? (variables as Record<string, unknown>) : {},
    persistedId: typeof hash === 'string' ? hash : null,
  };
}

/** The request with `query` as its text, in the place it was sent (GET parameter or body field). */
function withQuery(request: HTTPGraphQLRequest, query: string): HTTPGraphQLRequest {
  if (request.method === 'GET') {
    const get = new URLSearchParams(request.search);
    get.set('query', query);
    return { ...request, search: get.toString() };
  }
  return { ...request, body: { ...(request.body as Record<string, unknown>), query } };
}

/** The operation a request runs: the one named, or the only one (null when that is ambiguous; Apollo refuses it). */
function selectOperation(document: DocumentNode, operationName: string | null): OperationDefinitionNode | null {
  let found: OperationDefinitionNode | null = null;
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
    if (operationName === null) {
      if (found) return null;
      found = definition;
    } else if (definition.name?.value === operationName) {
      return definition;
    }
  }
  return found;
}

/** Why a selected operation cannot run over HTTP: subscriptions stream over WebSocket (gateway/subscriptions). */
function unrunnableOverHttp(operation: OperationDefinitionNode): string | null {
  return operation.operation === OperationTypeNode.SUBSCRIPTION ? 'subscriptions are served over WebSocket (the graphql-transport-ws protocol) at this same path, not over HTTP' : null;
}

/** Why no operation could be selected, when the document has operations: the name is missing or names none of them. */
function unselectable(document: DocumentNode, operationName: string | null): string | null {
  const operations = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
  if (operations.length === 0 || (operationName === null && operations.some((o) => !o.name))) return null; // validation says it better
  return operationName === null
    ? `the document holds ${operations.length} operations: name the one to run in operationName`
    : `the document has no operation named ${JSON.stringify(operationName.slice(0, 100))}`;
}

function headersOf(request: HTTPGraphQLRequest): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of request.headers) headers[name] = value;
  return headers;
}

async function answerOf(response: HTTPGraphQLResponse): Promise<HttpAnswer> {
  const headers = new Map<string, string>();
  for (const [name, value] of response.headers) headers.set(name, value);
  let body: string;
  if (response.body.kind === 'complete') {
    body = response.body.string;
  } else {
    body = '';
    for await (const chunk of response.body.asyncIterator) body += chunk;
  }
  return { status: response.status ?? 200, headers, body };
}

/** An answer's body, as far as the gateway reads it: its errors and whether it has data. */
function bodyOf(body: string): { data?: unknown; errors: GraphQLFormattedError[] } {
  try {
    const parsed = JSON.parse(body) as { data?: unknown; errors?: GraphQLFormattedError[] };
    return { data: parsed.data, errors: Array.isArray(parsed.errors) ? parsed.errors : [] };
  } catch {
    return { errors: [] };
  }
}

function factsOf(body: { data?: unknown; errors: GraphQLFormattedError[] }): AnswerFacts {
  return {
    errorCodes: body.errors.map((e) => (typeof e.extensions?.code === 'string' ? e.extensions.code : 'INTERNAL_SERVER_ERROR')),
    hasData: body.data !== undefined && body.data !== null,
  };
}
