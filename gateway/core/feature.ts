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
  /** Before planning, so before any subgraph call: errors refuse the whole operation. */
  readonly checkOperation?: (operation: OperationInput) => Promise<readonly GraphQLFormattedError[] | null> | readonly GraphQLFormattedError[] | null;
  /** After an operation has been answered, before the answer is sent. */
  readonly afterOperation?: (operation: OperationInput) => void;
  /** Every response, refusals included. */
  readonly willSendResponse?: (context: GatewayContext, response: OutgoingResponse) => void;
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
