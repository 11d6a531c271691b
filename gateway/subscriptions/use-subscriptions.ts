import { randomUUID, createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import {
  getArgumentValues,
  getOperationAST,
  getVariableValues,
  GraphQLError,
  Kind,
  OperationTypeNode,
  validate,
  type DocumentNode,
  type ExecutionResult,
  type FieldNode,
  type GraphQLFormattedError,
  type OperationDefinitionNode,
} from 'graphql';
import { CloseCode, GRAPHQL_TRANSPORT_WS_PROTOCOL, makeServer, type Context as WsContext } from 'graphql-ws';
import { decodeJwt } from 'jose';
import { WebSocketServer, type WebSocket } from 'ws';
import type { GatewaySettings } from '../../infrastructure/config/config';
import type { Principal } from '../../infrastructure/context/request-context';
import type { DomainEvent, EventBus } from '../../infrastructure/events';
import type { Logger } from '../../infrastructure/logging/logger';
import { clientAddressOf } from '../request-id/request-context';
import { credential, type ConnectionInput, type GatewayContext, type GatewayFeature, type GatewayHandle } from '../core/feature';
import { apiSchemaOf } from '../supergraph/api-schema';
import { executeForEvent } from './event-execution';
import { errors } from '../../infrastructure/errors/error-codes';
import { findMalformedArgument, holdsId, idHoldingInputTypes } from '../../infrastructure/graphql/ids/id-inputs';
import { SUBSCRIPTION_FIELDS, SUBSCRIPTION_ID_FORMATS, type SubscriptionField } from './subscription-fields';
import { EventQueue } from './event-queue';
import { violationError } from '../limits/limit-violation';
import { parseWithinTokenLimit } from '../limits/token-limit';

/** The close codes a subscriber sees (docs/subscriptions.md). */
export const CLOSE = {
  unauthenticated: 4401,
  forbidden: 4403,
  initTimeout: CloseCode.ConnectionInitialisationTimeout, // 4408
  badMessage: CloseCode.BadRequest, // 4400
  overLimit: CloseCode.TooManyInitialisationRequests, // 4429
  goingAway: 1001,
} as const;

const MAX_TIMER_MS = 2 ** 31 - 1;

/** What an error code in a refused context means for an open socket. */
function closeCodeFor(code: unknown): number | null {
  if (code === 'UNAUTHENTICATED') return CLOSE.unauthenticated;
  if (code === 'FORBIDDEN' || code === 'TENANT_SUSPENDED') return CLOSE.forbidden;
  if (code === 'RATE_LIMITED') return CLOSE.overLimit;
  return null; // SERVICE_UNAVAILABLE and the like: the check could not run now, the event is skipped
}

interface Connection {
  readonly id: string;
  readonly socket: WebSocket;
  /** What the client presented: the upgrade's address and agent, then `connection_init`'s payload as credentials. */
  input: ConnectionInput;
  /** The context `connection_init` was accepted with; each delivery checks again. */
  context: GatewayContext | null;
  readonly subscriptions: Map<string, Subscriber>;
  expiry?: NodeJS.Timeout;
  closed: boolean;
}

interface Subscriber {
  readonly connection: Connection;
  readonly id: string;
  readonly fieldName: string;
  readonly field: SubscriptionField;
  readonly args: Readonly<Record<string, unknown>>;
  readonly document: DocumentNode;
  readonly operation: OperationDefinitionNode;
  readonly variables: Readonly<Record<string, unknown>>;
  /** What shares one execution per event with others: the document and variables. The permission set is added per event. */
  readonly documentKey: string;
  readonly queue: EventQueue<ExecutionResult>;
}

/** A stable text for a value: object keys sorted, so equal variables give equal keys. */
function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${stableJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

const permissionKeys = new WeakMap<Principal, string>();

/**
 * Who sees what: tenant, scope and every permission (scoped grants included). Equal keys see equal answers.
 * Remembered per principal object: a context's principal does not change, and each delivery asks for it again.
 */
function permissionKey(principal: Principal): string {
  let key = permissionKeys.get(principal);
  if (key === undefined) permissionKeys.set(principal, (key = computePermissionKey(principal)));
  return key;
}

function computePermissionKey(principal: Principal): string {
  return stableJson({
    kind: principal.kind,
    tenant: principal.tenantId,
    organization: principal.organizationId ?? null,
    department: principal.departmentId ?? null,
    permissions: [...principal.permissions].sort(),
    grants: principal.grants ?? [],
  });
}

/**
 * An event belongs to the subscriber's tenant; platform users (no tenant) see every tenant's, as their queries do.
 * A platform API key also has no tenant, but reaches no tenant's data: it sees none.
 */
const sameTenant = (principal: Principal, event: DomainEvent) => (principal.tenantId === null ? principal.kind === 'USER' : principal.tenantId === event.tenantId);

const codedError = (message: string, code: string) => new GraphQLError(message, { extensions: { code } });
/** A feature's refusal (code, limit, actual …) as the error graphql-ws sends. */
const formattedError = (error: GraphQLFormattedError) => new GraphQLError(error.message, { extensions: error.extensions ?? {} });
const asGraphQLErrors = (errors: readonly GraphQLFormattedError[]) =>
  errors.map((e) => new GraphQLError(e.message, { extensions: e.extensions ?? {}, ...(e.path ? { path: e.path } : {}) }));

/** How many subscription sockets and subscriptions are open right now (the metrics' gauges read it). */
export interface OpenSubscriptions {
  open(): { sockets: number; subscriptions: number };
}

/**
 * `useSubscriptions`: the supergraph's subscription fields over graphql-ws on `/graphql` (gateway/subscriptions,
 * docs/subscriptions.md). `connection_init` carries the credential (`{ authorization: "Bearer …" }`) and goes
 * through every feature's context step, as an HTTP request does. The gateway listens to the domain events itself
 * (no subgraph holds a socket); for each event and each group of subscribers with the same document, variables
 * and permission set, it runs one execution (gateway/subscriptions/event-execution.ts) and delivers it, in event
 * order, to the members that still pass every check at that moment.
 */
export async function useSubscriptions(options: { bus: EventBus; logger: Logger; settings: GatewaySettings; introspection: boolean }): Promise<GatewayFeature & OpenSubscriptions> {
  const { bus, logger } = options;
  const limits = options.settings.subscriptions;
  const connections = new Set<Connection>();
  const byField = new Map<string, Set<Subscriber>>();
  /** Contexts of subscribers (at subscribe and at each delivery): the operation checks run for them are not HTTP requests. */
  const deliveries = new WeakSet<GatewayContext>();
  let gateway: GatewayHandle | null = null;
  let stopping = false;

  const schemaOf = apiSchemaOf;

  const close = (connection: Connection, code: number, reason: string) => {
    if (connection.closed) return;
    connection.closed = true;
    // A close reason is at most 123 bytes.
    connection.socket.close(code, Buffer.from(reason).subarray(0, 123).toString());
  };
  const forget = (connection: Connection) => {
    if (!connections.has(connection)) return;
    if (connection.context) tally(connection.context.request.principal, -1);
    connection.closed = true;
    if (connection.expiry) clearTimeout(connection.expiry);
    for (const subscriber of connection.subscriptions.values()) remove(subscriber);
    connections.delete(connection);
  };
  const remove = (subscriber: Subscriber) => {
    byField.get(subscriber.fieldName)?.delete(subscriber);
    subscriber.connection.subscriptions.delete(subscriber.id);
    subscriber.queue.end();
  };

  /** Accepted connections per user (or API key) and per tenant, for the limits. */
  const perUser = new Map<string, number>();
  const perTenant = new Map<string, number>();
  const userKey = (principal: Principal) => `${principal.kind}:${principal.subject ?? ''}`;
  const tally = (principal: Principal, by: 1 | -1) => {
    const bump = (counts: Map<string, number>, key: string) => {
      const next = (counts.get(key) ?? 0) + by;
      if (next > 0) counts.set(key, next);
      else counts.delete(key);
    };
    bump(perUser, userKey(principal));
    if (principal.tenantId !== null) bump(perTenant, principal.tenantId);
  };

  /** connection_init: the same checks as an HTTP request, then the limits. */
  const accept = async (connection: Connection, params: Readonly<Record<string, unknown>>): Promise<boolean> => {
    const input: ConnectionInput = { ...connection.input, credentials: params };
    connection.input = input;
    const context = await gateway!.contextFor(input);
    if ('refused' in context) {
      close(connection, closeCodeFor(context.refused.extensions?.code) ?? CLOSE.unauthenticated, context.refused.message);
      return false;
    }
    const { principal } = context.request;
    if (principal.kind === 'ANONYMOUS' || principal.subject === null) {
      close(connection, CLOSE.unauthenticated, 'subscriptions need a credential: send { authorization: "Bearer <access token or lat_ API key>" } in connection_init');
      return false;
    }
    if ((perUser.get(userKey(principal)) ?? 0) >= limits.maxConnectionsPerUser) {
      close(connection, CLOSE.overLimit, `at most ${limits.maxConnectionsPerUser} subscription connections per user`);
      return false;
    }
    if (principal.tenantId !== null && (perTenant.get(principal.tenantId) ?? 0) >= limits.maxConnectionsPerTenant) {
      close(connection, CLOSE.overLimit, `at most ${limits.maxConnectionsPerTenant} subscription connections per tenant`);
      return false;
    }
    connection.context = context;
    tally(principal, 1);
    // An access token's socket ends when the token does: the client reconnects with a fresh one.
    const expiresAt = tokenExpiry(credential(input, 'authorization'));
    // Beyond what a timer can hold (about 24 days), each delivery's recheck still refuses the expired token.
    if (expiresAt !== null && expiresAt - Date.now() < MAX_TIMER_MS) {
      connection.expiry = setTimeout(() => close(connection, CLOSE.unauthenticated, 'the access token expired; reconnect with a fresh one'), Math.max(0, expiresAt - Date.now()));
      connection.expiry.unref();
    }
    return true;
  };

  /** subscribe: parsed, validated against the live API schema, one served root field, field authorization. */
  const subscribe = async (connection: Connection, id: string, payload: { query: string; variables?: Record<string, unknown> | null; operationName?: string | null }) => {
    if (!connection.context) return [codedError('the connection is not initialised', 'UNAUTHENTICATED')];
    if (connection.subscriptions.size >= limits.maxSubscriptionsPerConnection) {
      close(connection, CLOSE.overLimit, `at most ${limits.maxSubscriptionsPerConnection} subscriptions per connection`);
      return [codedError('too many subscriptions on this connection', 'RATE_LIMITED')];
    }
    const version = gateway!.current();
    const schema = schemaOf(version);
    // Within the token limit, then the other operation limits, before validation: as over HTTP (gateway/core/http-operations.ts).
    const parsed = parseWithinTokenLimit(payload.query, options.settings.limits.maxTokens);
    if ('syntaxError' in parsed) return [codedError(parsed.syntaxError.message, 'GRAPHQL_PARSE_FAILED')];
    if ('violation' in parsed) return [formattedError(violationError(parsed.violation))];
    const document = parsed.document;
    const beyond = gateway!.inspectDocument({ context: connection.context, document, operationName: payload.operationName ?? null, variables: payload.variables ?? {}, version });
    if (beyond) return [formattedError(beyond)];
    const invalid = validate(schema, document);
    if (invalid.length > 0) {
      // With introspection off, no "Did you mean …" either, as over HTTP.
      const message = (e: GraphQLError) => (options.introspection ? e.message : e.message.replace(/ Did you mean .*$/, ''));
      return invalid.map((e) => new GraphQLError(message(e), { nodes: e.nodes, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }));
    }
    const operation = getOperationAST(document, payload.operationName ?? undefined);
    if (!operation) return [codedError('the document names no operation to run (pass operationName)', 'BAD_USER_INPUT')];
    if (operation.operation !== OperationTypeNode.SUBSCRIPTION) {
      return [codedError(`only subscriptions are served over WebSocket; send this ${operation.operation} over HTTP (POST /graphql)`, 'BAD_USER_INPUT')];
    }
    const root = operation.selectionSet.selections.find((s): s is FieldNode => s.kind === Kind.FIELD);
    const field = root ? SUBSCRIPTION_FIELDS[root.name.value] : undefined;
    const fieldDef = root ? schema.getSubscriptionType()?.getFields()[root.name.value] : undefined;
    if (!root || !field || !fieldDef) return [codedError('this subscription field is not served by this gateway', 'BAD_USER_INPUT')];
    const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], payload.variables ?? {});
    if (coerced.errors) return coerced.errors.map((e) => new GraphQLError(e.message, { extensions: { code: 'BAD_USER_INPUT' } }));
    const variables = payload.variables ?? {};
    const args = getArgumentValues(fieldDef, root, coerced.coerced);
    // A malformed id is refused as the subgraphs refuse one, naming the argument.
    const owner = `Subscription.${fieldDef.name}`;
    const holding = idHoldingInputTypes(schema);
    const malformed = findMalformedArgument(owner, fieldDef.args.filter((a) => holdsId(a.type, holding)), args, SUBSCRIPTION_ID_FORMATS);
    if (malformed) return [errors.malformedId(malformed.path, owner, malformed.coordinate, malformed.format.description, malformed.value)];
    deliveries.add(connection.context);
    const refused = await gateway!.checkOperation({ context: connection.context, document, operation, variables, version });
    if (refused.length > 0) return asGraphQLErrors(refused);
    const subscriber: Subscriber = {
      connection,
      id,
      fieldName: root.name.value,
      field,
      args,
      document,
      operation,
      variables,
      documentKey: createHash('sha256').update(payload.query).update('\0').update(payload.operationName ?? '').update('\0').update(stableJson(variables)).digest('hex'),
      queue: new EventQueue<ExecutionResult>(limits.maxPendingEvents),
    };
    connection.subscriptions.set(id, subscriber);
    let set = byField.get(subscriber.fieldName);
    if (!set) byField.set(subscriber.fieldName, (set = new Set()));
    set.add(subscriber);
    return subscriber;
  };

  /**
   * One event to every subscriber it may be for. Each matching subscriber gets its place in its queue now, in event
   * order; what fills it is worked out afterwards: the subscriber's context checked again (a revoked or expired
   * credential closes the socket, a suspended tenant too), the operation checked again against the permissions it
   * holds now, then one execution per document, variables and permission set.
   */
  const dispatch = (fieldName: string, event: DomainEvent) => {
    const subscribers = [...(byField.get(fieldName) ?? [])].filter(
      (s) => !s.connection.closed && s.connection.context && sameTenant(s.connection.context.request.principal, event) && s.field.matches(event, s.args),
    );
    if (subscribers.length === 0) return;
    const started = Date.now();
    const checked = new Map<Connection, Promise<GatewayContext | null>>();
    const executions = new Map<string, Promise<ExecutionResult | null>>();
    const checks = new Map<string, Promise<readonly GraphQLFormattedError[]>>();
    const slots: Promise<unknown>[] = [];
    for (const subscriber of subscribers) {
      const { connection } = subscriber;
      let context = checked.get(connection);
      if (!context) checked.set(connection, (context = recheck(connection)));
      const slot = context.then(async (fresh) => {
        if (!fresh || !sameTenant(fresh.request.principal, event)) return null;
        deliveries.add(fresh);
        const version = gateway!.current();
        const key = `${subscriber.documentKey}|${permissionKey(fresh.request.principal)}|${version.id}`;
        // The same document under the same permissions passes or fails the same checks: once per group and event.
        let check = checks.get(key);
        if (!check) {
          check = gateway!.checkOperation({ context: fresh, document: subscriber.document, operation: subscriber.operation, variables: subscriber.variables, version });
          checks.set(key, check);
        }
        const refused = await check;
        if (refused.length > 0) {
          // Lost a permission the document needs: this subscription ends with the reason; the socket stays.
          subscriber.queue.fail(asGraphQLErrors(refused));
          return null;
        }
        let execution = executions.get(key);
        if (!execution) {
          execution = executeForEvent({
            schema: schemaOf(version),
            document: subscriber.document,
            operation: subscriber.operation,
            variables: subscriber.variables,
            field: subscriber.field,
            event,
            fetch: (query, variables) => gateway!.execute({ query, variables }, fresh),
          });
          executions.set(key, execution);
        }
        return execution;
      });
      slots.push(slot);
      if (!subscriber.queue.push(slot)) {
        close(connection, CLOSE.overLimit, 'subscriber too slow: events piled up unread');
      }
    }
    void Promise.allSettled(slots).then(() =>
      logger.debug('subscription event executed', { field: fieldName, event: event.type, subscribers: subscribers.length, executions: executions.size, ms: Date.now() - started }),
    );
  };

  /** The connection's context now, as a new request would get it; null (and the socket closed where it must) when refused. */
  const recheck = async (connection: Connection): Promise<GatewayContext | null> => {
    const fresh = await gateway!.contextFor({ ...connection.input, recheck: true });
    if (!('refused' in fresh)) return fresh;
    const code = closeCodeFor(fresh.refused.extensions?.code);
    if (code !== null) close(connection, code, fresh.refused.message);
    else logger.warn('subscription event skipped: the subscriber could not be checked', { connection: connection.id, reason: fresh.refused.message });
    return null;
  };

  /** Events that end access now close the sockets they concern, on every replica, without waiting for an event to deliver. */
  const onAccessEvent = (event: DomainEvent) => {
    for (const connection of connections) {
      const principal = connection.context?.request.principal;
      if (!principal) continue;
      const verdict = accessVerdict(event, principal);
      if (verdict) close(connection, verdict.code, verdict.reason);
    }
  };

  const unsubscribers: (() => Promise<void>)[] = [];
  const byPattern = new Map<string, string[]>();
  for (const [name, field] of Object.entries(SUBSCRIPTION_FIELDS)) byPattern.set(field.events, [...(byPattern.get(field.events) ?? []), name]);
  for (const [pattern, names] of byPattern) {
    unsubscribers.push(await bus.subscribe(pattern, (event) => names.forEach((name) => dispatch(name, event))));
  }
  unsubscribers.push(await bus.subscribe('identity.*', onAccessEvent));
  unsubscribers.push(await bus.subscribe('tenancy.tenant.*', onAccessEvent));

  const server = makeServer<Record<string, unknown>, { connection: Connection }>({
    connectionInitWaitTimeout: limits.initTimeoutMs,
    onConnect: async (ctx: WsContext<Record<string, unknown>, { connection: Connection }>) => accept(ctx.extra.connection, ctx.connectionParams ?? {}),
    onSubscribe: async (ctx, id, payload) => {
      const subscriber = await subscribe(ctx.extra.connection, id, payload);
      if (Array.isArray(subscriber)) return subscriber;
      return { schema: schemaOf(gateway!.current()), document: subscriber.document, variableValues: subscriber.variables, contextValue: subscriber };
    },
    subscribe: (args) => (args.contextValue as Subscriber).queue,
    onComplete: (ctx, id) => {
      const subscriber = ctx.extra.connection.subscriptions.get(id);
      if (subscriber) remove(subscriber);
    },
  });
  const wss = new WebSocketServer({ noServer: true, maxPayload: Math.max(limits.maxMessageBytes * 4, 1024 * 1024), handleProtocols: (protocols) => (protocols.has(GRAPHQL_TRANSPORT_WS_PROTOCOL) ? GRAPHQL_TRANSPORT_WS_PROTOCOL : false) });

  const open = (socket: WebSocket, request: IncomingMessage) => {
    const userAgent = request.headers['user-agent'];
    const connection: Connection = {
      id: randomUUID(),
      socket,
      input: { credentials: {}, requestId: randomUUID(), ipAddress: clientAddressOf(request), userAgent: typeof userAgent === 'string' ? userAgent.slice(0, 256) : null },
      context: null,
      subscriptions: new Map(),
      closed: false,
    };
    connections.add(connection);
    let alive = true;
    const ping = setInterval(() => {
      if (!alive) return socket.terminate();
      alive = false;
      socket.ping();
    }, limits.keepAliveMs);
    ping.unref();
    socket.on('pong', () => (alive = true));
    const closed = server.opened(
      {
        protocol: socket.protocol,
        send: (data) =>
          new Promise<void>((resolve) => {
            if (socket.readyState !== socket.OPEN) return resolve();
            if (socket.bufferedAmount > limits.maxBufferedBytes) {
              close(connection, CLOSE.overLimit, 'subscriber too slow: its socket does not take what is sent');
              return resolve();
            }
            socket.send(data, () => resolve());
          }),
        close: (code, reason) => close(connection, code ?? CLOSE.goingAway, reason ?? ""),
        onMessage: (handle) =>
          socket.on('message', (data: Buffer, isBinary: boolean) => {
            if (isBinary || data.length > limits.maxMessageBytes) {
              return close(connection, CLOSE.badMessage, isBinary ? 'binary messages are not part of graphql-ws' : `messages are at most ${limits.maxMessageBytes} bytes`);
            }
            handle(data.toString('utf8')).catch((error: unknown) => {
              logger.error('subscription message failed', { connection: connection.id, error });
              close(connection, CloseCode.InternalServerError, 'internal error');
            });
          }),
      },
      { connection },
    );
    socket.once('close', (code, reason) => {
      clearInterval(ping);
      forget(connection);
      void closed(code, reason.toString());
    });
    socket.on('error', () => undefined);
  };

  return {
    name: 'subscriptions',
    open: () => ({ sockets: connections.size, subscriptions: [...byField.values()].reduce((total, subscribers) => total + subscribers.size, 0) }),
    attach(handle) {
      gateway = handle;
    },
    onSupergraph(version, phase) {
      if (phase === 'prepare') schemaOf(version);
    },
    checkOperation({ operation, context }) {
      if (operation.operation !== OperationTypeNode.SUBSCRIPTION || deliveries.has(context)) return null;
      return [{ message: 'subscriptions are served over WebSocket (graphql-ws protocol) at /graphql, not over HTTP', extensions: { code: 'BAD_USER_INPUT' } }];
    },
    upgrade: {
      handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer) {
        if (new URL(req.url ?? '/', 'http://gateway').pathname !== '/graphql') return false;
        const offered = String(req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
        if (stopping || !offered.includes(GRAPHQL_TRANSPORT_WS_PROTOCOL)) {
          const body = stopping ? 'the gateway is shutting down' : `WebSocket connections must offer the subprotocol ${GRAPHQL_TRANSPORT_WS_PROTOCOL}`;
          socket.end(`HTTP/1.1 ${stopping ? '503 Service Unavailable' : '400 Bad Request'}\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
          return true;
        }
        wss.handleUpgrade(req, socket, head, (ws) => open(ws, req));
        return true;
      },
      async closeAll(code, reason) {
        stopping = true;
        for (const connection of connections) close(connection, code, reason);
      },
    },
    async stop() {
      stopping = true;
      for (const connection of connections) close(connection, CLOSE.goingAway, 'the gateway is shutting down');
      await Promise.all(unsubscribers.map((u) => u()));
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

/** When a bearer access token expires (ms), or null for API keys and anything not a JWT. */
function tokenExpiry(authorization: string | undefined): number | null {
  const token = /^Bearer\s+(\S+)$/i.exec(authorization?.trim() ?? '')?.[1];
  if (!token || token.startsWith('lat_')) return null;
  try {
    const exp = decodeJwt(token).exp;
    return typeof exp === 'number' ? exp * 1000 : null;
  } catch {
    return null;
  }
}

/** Whether an identity or tenancy event ends this principal's access, and how its socket closes. */
export function accessVerdict(event: DomainEvent, principal: Principal): { code: number; reason: string } | null {
  switch (event.type) {
    case 'tenancy.tenant.suspended':
      return principal.tenantId === event.aggregateId ? { code: CLOSE.forbidden, reason: 'the tenant is suspended' } : null;
    case 'identity.user.suspended':
    case 'identity.user.deleted':
      return principal.kind === 'USER' && principal.subject === event.aggregateId ? { code: CLOSE.unauthenticated, reason: 'access for this account was ended' } : null;
    case 'identity.session.revoked':
      return principal.sessionId === event.aggregateId ? { code: CLOSE.unauthenticated, reason: 'this session has ended; sign in again' } : null;
    case 'identity.apikey.revoked':
      return principal.kind === 'API_KEY' && principal.subject === event.aggregateId ? { code: CLOSE.unauthenticated, reason: 'the API key was revoked' } : null;
    case 'identity.user.updated': {
      // Roles, organization and department are in the access token: a change to them makes it stale.
      const changed = (event.data as { changed?: unknown }).changed;
      const stale = Array.isArray(changed) && changed.some((c) => c === 'roles' || c === 'organizationId' || c === 'departmentId');
      return stale && principal.kind === 'USER' && principal.subject === event.aggregateId ? { code: CLOSE.unauthenticated, reason: 'your roles or scope changed; reconnect with a fresh access token' } : null;
    }
    case 'identity.role.assigned':
    case 'identity.role.revoked':
      // The access token carries the permissions it was issued with: reconnect with one that has the new ones.
      return principal.kind === 'USER' && principal.subject === event.aggregateId ? { code: CLOSE.unauthenticated, reason: 'your roles changed; reconnect with a fresh access token' } : null;
    case 'identity.role.updated':
    case 'identity.role.deleted':
      // Who holds the role is identity's to know; every user of its tenant reconnects, so none keeps stale permissions.
      return principal.kind === 'USER' && event.tenantId !== null && principal.tenantId === event.tenantId
        ? { code: CLOSE.unauthenticated, reason: "a role of your tenant changed; reconnect with a fresh access token" }
        : null;
    default:
      return null;
  }
}
