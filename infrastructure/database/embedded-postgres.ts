import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

export interface EmbeddedPostgres {
  /** A postgres:// URL the ordinary `pg` driver connects to. */
  readonly url: string;
  /** How many client connections the socket server admits; size pools below it. */
  readonly maxConnections: number;
  stop(): Promise<void>;
}

/**
 * Real PostgreSQL (PGlite, compiled to WASM) on a loopback port, spoken to over the wire protocol so TypeORM's
 * `pg` driver runs unchanged. PGlite has one backend: the socket server queues statements and, while one
 * connection holds a transaction, runs only that connection's statements, so transactions stay isolated.
 */
export async function startEmbeddedPostgres(options: { dataDir: string; maxConnections?: number }): Promise<EmbeddedPostgres> {
  mkdirSync(options.dataDir, { recursive: true });
  const maxConnections = options.maxConnections ?? 8;
  const db = await PGlite.create(options.dataDir);
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections });
  try {
    await server.start();
  } catch (error) {
    await db.close();
    throw error;
  }
  const url = `postgres://postgres@${server.getServerConn()}/postgres?sslmode=disable`;
  return {
    url,
    maxConnections,
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}
