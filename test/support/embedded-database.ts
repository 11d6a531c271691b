import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './processes';

export interface EmbeddedDatabaseProcess {
  url: string;
  /** The directory holding the database's Unix socket. */
  socketDir: string;
  /** The process serving it. */
  pid: number;
  stop(): Promise<void>;
}

/**
 * The product's embedded PostgreSQL (PGlite behind pglite-socket, `dist/infrastructure/database/embedded-postgres`)
 * in a child process on a fresh data dir. PGlite's WASM cannot load inside Jest's module sandbox, but over its
 * socket it is an ordinary PostgreSQL server to `pg`, exactly as the embedded platform uses it.
 */
export async function startEmbeddedDatabase(): Promise<EmbeddedDatabaseProcess> {
  const root = mkdtempSync(join(tmpdir(), 'lattice-pglite-'));
  const module = join(ROOT, 'dist', 'infrastructure', 'database', 'embedded-postgres.js');
  const options = { dataDir: join(root, 'data'), socketDir: join(root, 'socket') };
  const script = `require(${JSON.stringify(module)}).startEmbeddedPostgres(${JSON.stringify(options)})
    .then((db) => { process.stdout.write('READY ' + JSON.stringify({ url: db.url, socketDir: db.socketDir }) + '\\n'); process.on('SIGTERM', () => db.stop().then(() => process.exit(0))); })
    .catch((error) => { console.error(error); process.exit(1); });`;
  const child = spawn(process.execPath, ['-e', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const ready = await new Promise<{ url: string; socketDir: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`embedded PostgreSQL did not start within 60 s:\n${output}`)), 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /^READY (\{.*\})$/m.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(JSON.parse(match[1]) as { url: string; socketDir: string });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`embedded PostgreSQL exited with ${code}:\n${output}`));
    });
  }).catch((error: unknown) => {
    child.kill('SIGKILL');
    rmSync(root, { recursive: true, force: true });
    throw error;
  });
  return {
    ...ready,
    pid: child.pid!,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(root, { recursive: true, force: true });
    },
  };
}
