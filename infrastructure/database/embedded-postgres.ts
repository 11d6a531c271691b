import { chmodSync, mkdirSync, rmSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { placeSocket, removeStaleSocket, socketDatabaseUrl } from './private-socket';

export interface EmbeddedPostgres {
  /** A postgres:// URL the ordinary `pg` driver connects to: a Unix socket directory, never a TCP port. */
  readonly url: string;
  /** The 0700 directory holding the socket (under the system temp dir when `socketDir`'s path was too long). */
  readonly socketDir: string;
  /** How many client connections the socket server admits; size pools below it. */
  readonly maxConnections: number;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  dataDir: string;
  /** Where the socket goes (made mode 0700). Default, or when its path is too long for a socket: a private temp dir. */
  socketDir?: string;
  maxConnections?: number;
}

/**
 * Real PostgreSQL (PGlite, compiled to WASM) spoken to over the wire protocol so TypeORM's `pg` driver runs
 * unchanged. PGlite has one login, a superuser with no password, so it listens on no TCP port: only on a Unix
 * socket in a directory no other local user can enter. PGlite has one backend: the socket server queues
 * statements and, while one connection holds a transaction, runs only that connection's statements, so
 * transactions stay isolated.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  // The data files hold every tenant's rows: readable by this user only (files inside keep PGlite's modes).
  mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  chmodSync(options.dataDir, 0o700);
  const socket = placeSocket(options.socketDir);
  const removeTemporaryDir = () => {
    if (socket.temporary) rmSync(socket.dir, { recursive: true, force: true });
  };
  const maxConnections = options.maxConnections ?? 8;
  let db: PGlite | undefined;
  let server: PGLiteSocketServer | undefined;
  try {
    await removeStaleSocket(socket.path);
    db = await PGlite.create(options.dataDir);
    server = new PGLiteSocketServer({ db, path: socket.path, maxConnections });
    keepExtendedQueriesWhole(server, db);
    await server.start();
    chmodSync(socket.path, 0o600);
  } catch (error) {
    await server?.stop().catch(() => undefined);
    await db?.close().catch(() => undefined);
    removeTemporaryDir();
    throw error;
  }
  const [listening, opened] = [server, db];
  return {
    url: socketDatabaseUrl(socket.dir),
    socketDir: socket.dir,
    maxConnections,
    async stop() {
      await listening.stop(); // closing the server removes the socket file
      await opened.close();
      removeTemporaryDir();
    },
  };
}

/** What pglite-socket 0.2's (private) query queue looks like: one entry per protocol message, in arrival order. */
interface QueuedMessage {
  handlerId: number;
  message: Uint8Array;
  resolve(bytes: number): void;
  reject(error: unknown): void;
  onData(data: Uint8Array): void;
}
interface QueryQueue {
  queue: QueuedMessage[];
  processing: boolean;
  lastHandlerId: number | null;
  processQueue(): Promise<void>;
  clearQueueForHandler(handlerId: number): void;
}

/** Message types that end an exchange: Sync, a simple Query, Terminate. Anything else (Parse, Bind, Describe, Execute, Close, Flush) continues one. */
const EXCHANGE_ENDS = new Set(['S', 'Q', 'X'].map((c) => c.charCodeAt(0)));
const STARTS_EXCHANGE = new Set(['P', 'B', 'D', 'E', 'C', 'H'].map((c) => c.charCodeAt(0)));

/**
 * pglite-socket 0.2 runs the messages of all connections one by one and keeps one connection's messages together
 * only inside a transaction. Outside one, the Parse/Bind/Execute/Sync of a parameterised query from connection A
 * could be interleaved with B's, and B's unnamed statement or portal replaced A's: wrong rows or "portal does not
 * exist" under concurrent load. This keeps an extended-protocol exchange whole, from its first message to its
 * Sync, exactly as the queue already does for transactions. Checked by embedded-postgres.test.ts.
 */
function keepExtendedQueriesWhole(server: PGLiteSocketServer, db: PGlite): void {
  const queue = (server as unknown as { queryQueue: QueryQueue }).queryQueue;
  if (!queue || !Array.isArray(queue.queue) || typeof queue.processQueue !== 'function') {
    throw new Error('@electric-sql/pglite-socket changed its query queue; embedded-postgres.ts must be updated');
  }
  let exchangeOpen = false;
  queue.processQueue = async function processQueue(this: QueryQueue): Promise<void> {
    if (this.processing || this.queue.length === 0) return;
    this.processing = true;
    try {
      while (this.queue.length > 0) {
        const pinned = this.lastHandlerId !== null && (exchangeOpen || db.isInTransaction());
        const index = pinned ? this.queue.findIndex((item) => item.handlerId === this.lastHandlerId) : 0;
        if (index === -1) break; // wait for the rest of the pinned connection's exchange
        const [item] = this.queue.splice(index, 1);
        if (!item) break;
        let bytes = 0;
        try {
          await db.runExclusive(() =>
            db.execProtocolRawStream(item.message, {
              onRawData: (data: Uint8Array) => {
                bytes += data.length;
                item.onData(data);
              },
            }),
          );
        } catch (error) {
          exchangeOpen = false;
          item.reject(error);
          continue;
        }
        this.lastHandlerId = item.handlerId;
        const type = item.message[0] ?? 0;
        if (EXCHANGE_ENDS.has(type)) exchangeOpen = false;
        else if (STARTS_EXCHANGE.has(type)) exchangeOpen = true;
        item.resolve(bytes);
      }
    } finally {
      this.processing = false;
    }
  };
  const clear = queue.clearQueueForHandler.bind(queue);
  queue.clearQueueForHandler = (handlerId: number) => {
    // A connection that went away mid-exchange must not keep everyone else waiting for its Sync.
    if (queue.lastHandlerId === handlerId) exchangeOpen = false;
    clear(handlerId);
  };
}
