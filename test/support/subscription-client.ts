import { WebSocket } from 'ws';

export interface WsMessage {
  type: string;
  id?: string;
  payload?: unknown;
}

/** One graphql-ws socket, frame by frame, so tests can see every message and the exact close code. */
export interface WsConnection {
  readonly socket: WebSocket;
  /** Every message received, in order. */
  readonly messages: WsMessage[];
  /** Resolves with the close code and reason once the socket is closed. */
  readonly closed: Promise<{ code: number; reason: string }>;
  send(message: unknown): void;
  subscribe(id: string, query: string, variables?: Record<string, unknown>): void;
  /** The `next` payloads of one subscription so far. */
  nexts(id: string): { data?: Record<string, unknown> | null; errors?: { message: string; extensions?: { code?: string } }[] }[];
  /** Resolves with the first message matching, or rejects after `ms`. */
  waitFor(match: (message: WsMessage) => boolean, ms?: number): Promise<WsMessage>;
  close(): Promise<void>;
}

const wsUrl = (graphqlUrl: string) => graphqlUrl.replace(/^http/, 'ws');

/** Opens a socket offering graphql-transport-ws (or `protocol`) and, unless `init` is null, sends `connection_init`. */
export async function openSubscriptionSocket(graphqlUrl: string, init: Record<string, unknown> | null, protocol = 'graphql-transport-ws'): Promise<WsConnection> {
  const socket = new WebSocket(wsUrl(graphqlUrl), protocol);
  const messages: WsMessage[] = [];
  const listeners = new Set<() => void>();
  socket.on('message', (data: Buffer) => {
    messages.push(JSON.parse(data.toString()) as WsMessage);
    listeners.forEach((l) => l());
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  const connection: WsConnection = {
    socket,
    messages,
    closed,
    send: (message) => socket.send(typeof message === 'string' ? message : JSON.stringify(message)),
    subscribe: (id, query, variables = {}) => socket.send(JSON.stringify({ id, type: 'subscribe', payload: { query, variables } })),
    nexts: (id) => messages.filter((m) => m.type === 'next' && m.id === id).map((m) => m.payload as ReturnType<WsConnection['nexts']>[number]),
    waitFor(match, ms = 10_000) {
      const found = messages.find(match);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`no matching message within ${ms} ms; got ${JSON.stringify(messages).slice(0, 2000)}`));
        }, ms);
        const check = () => {
          const hit = messages.find(match);
          if (!hit) return;
          clearTimeout(timer);
          listeners.delete(check);
          resolve(hit);
        };
        listeners.add(check);
        void closed.then(() => setTimeout(check, 0));
      });
    },
    async close() {
      if (socket.readyState === WebSocket.OPEN) socket.close(1000);
      await closed;
    },
  };
  if (init !== null) connection.send({ type: 'connection_init', payload: init });
  return connection;
}

/** A socket that has been acknowledged; rejects with the close code when the gateway refuses it. */
export async function connectSubscriber(graphqlUrl: string, token: string): Promise<WsConnection> {
  const connection = await openSubscriptionSocket(graphqlUrl, { authorization: `Bearer ${token}` });
  const outcome = await Promise.race([connection.waitFor((m) => m.type === 'connection_ack').then(() => null), connection.closed]);
  if (outcome) throw new Error(`connection refused: ${outcome.code} ${outcome.reason}`);
  return connection;
}
