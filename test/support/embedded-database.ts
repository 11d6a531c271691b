import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './processes';

export interface EmbeddedDatabaseProcess {
  url: string;
  stop(): Promise<void>;
}

/**
 * The product's embedded PostgreSQL (PGlite behind pglite-socket, `dist/infrastructure/database/embedded-postgres`)
 * in a child process on a fresh data dir. PGlite's WASM cannot load inside Jest's module sandbox, but over its
 * socket it is an ordinary PostgreSQL server to `pg`, exactly as the embedded platform uses it.
 */
export async function startEmbeddedDatabase(): Promise<EmbeddedDatabaseProcess> {
  const dataDir = mkdtempSync(join(tmpdir(), 'lattice-pglite-'));
  const module = join(ROOT, 'dist', 'infrastructure', 'database', 'embedded-postgres.js');
  const script = `require(${JSON.stringify(module)}).startEmbeddedPostgres({ dataDir: ${JSON.stringify(dataDir)} })
    .then((db) => { process.stdout.write('URL ' + db.url + '\\n'); process.on('SIGTERM', () => db.stop().then(() => process.exit(0))); })
    .catch((error) => { console.error(error); process.exit(1); });`;
  const child = spawn(process.execPath, ['-e', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`embedded PostgreSQL did not start within 60 s:\n${output}`)), 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /^URL (\S+)$/m.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`embedded PostgreSQL exited with ${code}:\n${output}`));
    });
  });
  return {
    url,
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
