import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DocumentNode, FormattedExecutionResult, GraphQLFormattedError, OperationDefinitionNode } from 'graphql';
import type { RequestContext } from '../../infrastructure/context/request-context';
import type { UpgradeHandler } from '../../infrastructure/http/http-server';
import type { SupergraphVersion } from '../supergraph/supergraph-version';

/** What every operation runs with: the caller and request facts the gateway signs for subgraphs. */
export interface GatewayContext {
  request: RequestContext;
}

/**
 * What a caller presented, whatever the transport: an HTTP request's headers, or a WebSocket's `connection_init`
 * payload. Keys are matched case-insensitively (`authorization` / `Authorization`).
 */
export interface ConnectionInput {
  readonly credentials: Readonly<Record<string, unknown>>;
  readonly requestId: string;
  readonly ipAddress: string | null;
  readonly userAgent: string | null;
  /** How many operations the request carries (a JSON-array batch has several): what a rate limit charges. */
  readonly operationCount?: number;
  /**
   * A connection already admitted, checked again (a subscription before each event it is sent): steps that charge
   * for a request (rate limits) leave it alone; steps that check access run as always.
   */
  readonly recheck?: boolean;
}

/** One operation, as the features see it: parsed and validated, on the supergraph version it runs on. */
export interface OperationInput {
  readonly context: GatewayContext;
  readonly document: DocumentNode;
  readonly operation: OperationDefinitionNode;
  readonly variables: Readonly<Record<string, unknown>>;
  readonly version: SupergraphVersion;
}

/** What an HTTP request asks to run, before anything parses it: its text, the id of a registered operation, or both. */
export interface RequestedOperation {
  readonly query: string | null;
  /** `extensions.persistedQuery.sha256Hash`: the SHA-256 (hex) of a registered operation's text. */
  readonly persistedId: string | null;
  readonly operationName: string | null;
}

/** A feature's answer to a requested operation: the text to run instead, or the refusal (nothing runs). */
export type OperationResolution = { readonly query: string } | { readonly refuse: GraphQLFormattedError };

/**
 * An HTTP operation as the gateway parsed it, before validation or planning: what `inspectDocument` checks (the
 * operation limits). WebSocket subscriptions are inspected the same way, through GatewayHandle.checkOperation.
 */
export interface ParsedOperation {
  readonly context: GatewayContext;
  readonly document: DocumentNode;
  readonly operationName: string | null;
  readonly variables: Readonly<Record<string, unknown>>;
  readonly version: SupergraphVersion;
}

/** One HTTP GraphQL operation about to run (after context, resolution and inspection): what `aroundHttpOperation` wraps. */
export interface HttpOperation {
  readonly context: GatewayContext;
  /** The request's headers, names lower-case. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The operation's type, from the parsed document (null when the document names no runnable operation). */
  readonly operationType: 'query' | 'mutation' | 'subscription' | null;
  /** What runs: the text (after any persisted-id resolution), the operation name and the variables. */
  readonly query: string;
  readonly operationName: string | null;
  readonly variables: Readonly<Record<string, unknown>>;
}

/** An HTTP answer, whole: what `aroundHttpOperation` may keep and send again (idempotent replays). */
export interface HttpAnswer {
  readonly status: number;
  readonly headers: Map<string, string>;
  readonly body: string;
}

/** One answered HTTP request, refusals included: what metrics and the access log record. */
export interface ResponseRecord {
  readonly context: GatewayContext;
  /** Only `http` today: WebSocket subscriptions are counted by their own gauges (gateway/metrics). */
  readonly transport: 'http' | 'ws';
  readonly operationName: string | null;
  readonly operationType: 'query' | 'mutation' | 'subscription' | null;
  /** The HTTP status sent (200 for a WebSocket operation's result). */
  readonly status: number;
  /** `extensions.code` of every error sent, in order. */
  readonly errorCodes: readonly string[];
  /** Whether the answer carried data (with errors too, it is a partial answer). */
  readonly hasData: boolean;
  /** From the request's arrival to its answer. */
  readonly durationMs: number;
}

/** One fetch from the gateway to a subgraph, once it has an outcome. */
export interface SubgraphFetchRecord {
  readonly context: GatewayContext;
  readonly subgraph: string;
  readonly durationMs: number;
  /** `ok` (an answer, errors in it or not), `error` (a 5xx or an unreadable answer), `unreachable`, `timeout`, `circuit_open` (not called). */
  readonly outcome: 'ok' | 'error' | 'unreachable' | 'timeout' | 'circuit_open';
}

/** The response about to be sent: features may add headers and error extensions. */
export interface OutgoingResponse {
  readonly headers: Map<string, string>;
  readonly errors: readonly GraphQLFormattedError[];
}

export type Route = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

/** What a feature may ask of the running gateway: the features that run before a connection starts streaming. */
export interface GatewayHandle {
  /** The supergraph version serving now. */
  current(): SupergraphVersion;
  /** Every feature's context step for a request or connection, as HTTP runs it: the context, or the error refusing it. */
  contextFor(input: ConnectionInput): Promise<GatewayContext | { refused: GraphQLFormattedError }>;
  /** Every feature's `inspectDocument` (the operation limits) for an operation that is not sent over HTTP, before it is validated. */
  inspectDocument(operation: ParsedOperation): GraphQLFormattedError | null;
  /** Every feature's operation checks (field authorization, …) for an operation that is not sent over HTTP. */
  checkOperation(operation: OperationInput): Promise<readonly GraphQLFormattedError[]>;
  /** Runs a query on the live version through the normal federated path, with `context`, as an HTTP request would. */
  execute(request: { query: string; variables?: Record<string, unknown>; operationName?: string }, context: GatewayContext): Promise<FormattedExecutionResult>;
}

/**
 * One feature of the gateway (authentication, tenant status, field authorization, health, …). The gateway is the
 * list of its features: each hook runs for every feature that has it, in list order. Nothing here is Apollo's; the
 * one adapter (gateway/core/apollo-runtime.ts) maps these hooks onto Apollo Server and @apollo/gateway.
 */
export interface GatewayFeature {
  readonly name: string;
  /**
   * Builds up the context of a request or WebSocket connection, before any operation: sets the principal, or
   * throws a GraphQLError (its extensions.code picks the HTTP status / close code) to refuse the caller.
   */
  readonly context?: (input: ConnectionInput, context: GatewayContext) => Promise<void> | void;
  /**
   * Before the request is parsed: the text to run for one that sends only an operation id, or a refusal (the
   * safelist). Null leaves the request as it is; the first feature that answers decides.
   */
  readonly resolveOperation?: (requested: RequestedOperation, context: GatewayContext) => OperationResolution | null;
  /**
   * On the document the gateway parsed (within the token limit), before it is validated or planned: an error refuses
   * the operation (its code picks the HTTP status). The operation limits; runs for WebSocket operations too.
   */
  readonly inspectDocument?: (operation: ParsedOperation) => GraphQLFormattedError | null;
  /**
   * Wraps the run of one HTTP operation: call `next` to run it (or do not, and answer yourself). Features nest in list
   * order, the first outermost. Idempotent mutations replay a stored answer here.
   */
  readonly aroundHttpOperation?: (operation: HttpOperation, next: () => Promise<HttpAnswer>) => Promise<HttpAnswer>;
  /** Before planning, so before any subgraph call: errors refuse the whole operation. */
  readonly checkOperation?: (operation: OperationInput) => Promise<readonly GraphQLFormattedError[] | null> | readonly GraphQLFormattedError[] | null;
  /** After an operation has been answered, before the answer is sent. */
  readonly afterOperation?: (operation: OperationInput) => void;
  /** Every response, refusals included. */
  readonly willSendResponse?: (context: GatewayContext, response: OutgoingResponse) => void;
  /** For every HTTP response, once it is decided and before it is written (metrics, access log). Must not throw. */
  readonly onResponse?: (record: ResponseRecord) => void;
  /** After every subgraph fetch (metrics). Must not throw. */
  readonly onSubgraphFetch?: (record: SubgraphFetchRecord) => void;
  /** Headers each subgraph fetch carries for this request (nothing the client sent passes through by itself). */
  readonly subgraphHeaders?: (context: GatewayContext, headers: { set(name: string, value: string): void; delete(name: string): void }) => void;
  /** Routes served beside `/graphql` (health, JWKS). */
  readonly routes?: readonly Route[];
  /** Connections that ask to upgrade (the subscriptions transport). */
  readonly upgrade?: UpgradeHandler;
  /**
   * Told of a new supergraph version before it serves: derive what this feature needs from it here, or throw to
   * refuse the version (the old one keeps serving). Called again with the same version once it is live.
   */
  readonly onSupergraph?: (version: SupergraphVersion, phase: 'prepare' | 'live') => Promise<void> | void;
  /** Handed the running gateway once the first version serves, before the server listens. */
  readonly attach?: (gateway: GatewayHandle) => void;
  /** Stops what the feature started, after the last request. */
  readonly stop?: () => Promise<void>;
}

/** Looks a credential up by name, ignoring case, as HTTP header names and connection params both need. */
export function credential(input: ConnectionInput, name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const [key, value] of Object.entries(input.credentials)) {
    if (key.toLowerCase() !== lower) continue;
    if (typeof value === 'string') return value;
    if (Array.isArray(value) && typeof value[0] === 'string') return value[0];
  }
  return undefined;
}
