import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Pool } from 'pg';
import { startEmbeddedDatabase, type EmbeddedDatabaseProcess } from '../../test/support/embedded-database';

/**
 * The embedded database serves several pooled connections through one PGlite backend. Parameterised statements
 * (Parse/Bind/Execute/Sync) from different connections, in and out of transactions, must never mix.
 */
describe('the embedded PostgreSQL under concurrent connections', () => {
  let server: EmbeddedDatabaseProcess;
  let pool: Pool;

  // PGlite runs in a child process (built dist/), as the platform runs it; Jest's module system cannot load it.
  beforeAll(async () => {
    server = await startEmbeddedDatabase();
    pool = new Pool({ connectionString: server.url, max: 5 });
  }, 60_000);

  afterAll(async () => {
    await pool?.end();
    await server?.stop();
  });

  it('answers every one of many concurrent parameterised queries, in and out of transactions, with its own row', async () => {
    const inTransaction = async (n: number) => {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await client.query<{ n: number }>('SELECT $1::int + 1 AS n', [n]);
        await client.query('COMMIT');
        return result.rows;
      } finally {
        client.release();
      }
    };
    const alone = async (n: number) => (await pool.query<{ n: number; t: string }>('SELECT $1::int + 1 AS n, $2::text AS t', [n, `x${n}`])).rows;
    const answers = await Promise.all(Array.from({ length: 1000 }, (_, n) => (n % 2 ? inTransaction(n) : alone(n)).then((rows) => ({ n, rows }), (error: unknown) => ({ n, error }))));
    const wrong = answers.filter((a) => !('rows' in a) || a.rows.length !== 1 || a.rows[0]?.n !== a.n + 1);
    expect(wrong.map((a) => ('error' in a ? String(a.error) : `${a.n}: ${JSON.stringify(a.rows)}`)).slice(0, 5)).toEqual([]);
  }, 60_000);
});

/** The TCP ports a process listens on, from its socket descriptors and /proc/net/tcp{,6} (Linux). */
function tcpListeningPorts(pid: number): number[] {
  const inodes = new Set(
    readdirSync(`/proc/${pid}/fd`)
      .map((fd) => {
        try {
          return /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1];
        } catch {
          return undefined; // closed meanwhile
        }
      })
      .filter((inode): inode is string => inode !== undefined),
  );
  const LISTEN = '0A';
  return ['/proc/net/tcp', '/proc/net/tcp6']
    .filter((table) => existsSync(table))
    .flatMap((table) => readFileSync(table, 'utf8').split('\n').slice(1))
    .map((line) => line.trim().split(/\s+/))
    .filter((columns) => columns[3] === LISTEN && inodes.has(columns[9] ?? ''))
    .map((columns) => parseInt(columns[1]?.split(':')[1] ?? '', 16));
}

/** Connects to a Unix socket from a process running as `uid`; resolves with the error code, or 'connected'. */
function connectAs(uid: number, path: string): Promise<string> {
  const script = `require('node:net').connect(${JSON.stringify(path)}).once('connect', () => { console.log('connected'); process.exit(0); }).once('error', (e) => { console.log(e.code); process.exit(0); });`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', script], { uid, gid: uid, cwd: '/', stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('exit', () => resolve(output.trim()));
  });
}

/**
 * PGlite's one login is a superuser without a password, so reaching its socket is reaching every tenant's rows.
 * Only the user running Lattice may: the socket sits in a mode 0700 directory, and no TCP port answers at all.
 */
describe('the embedded PostgreSQL is closed to other local users', () => {
  let server: EmbeddedDatabaseProcess;

  beforeAll(async () => {
    server = await startEmbeddedDatabase();
  }, 60_000);

  afterAll(async () => {
    await server?.stop();
  });

  it('is reached through a Unix socket directory, not a TCP host and port', () => {
    const query = new URLSearchParams(server.url.slice(server.url.indexOf('?') + 1));
    expect(server.url.startsWith('postgres://postgres@/postgres?')).toBe(true);
    expect(query.get('host')).toBe(server.socketDir);
  });

  it('keeps its socket in a directory of mode 0700 owned by the user running it, the socket itself 0600', () => {
    const dir = statSync(server.socketDir);
    expect(dir.isDirectory()).toBe(true);
    expect(dir.mode & 0o777).toBe(0o700);
    expect(dir.uid).toBe(process.getuid?.());
    const socket = statSync(join(server.socketDir, '.s.PGSQL.5432'));
    expect(socket.isSocket()).toBe(true);
    expect(socket.mode & 0o777).toBe(0o600);
  });

  (process.platform === 'linux' ? it : it.skip)('listens on no TCP port', async () => {
    // The check itself must see a listener where there is one, or an empty answer would prove nothing.
    const listener = spawn(process.execPath, ['-e', "require('node:net').createServer().listen(0, '127.0.0.1', () => console.log('up'))"], { stdio: ['ignore', 'pipe', 'ignore'] });
    try {
      await new Promise((resolve) => listener.stdout.once('data', resolve));
      expect(tcpListeningPorts(listener.pid!)).toHaveLength(1);
    } finally {
      listener.kill('SIGKILL');
    }
    expect(tcpListeningPorts(server.pid)).toEqual([]);
  });

  // Tests run as root here; root can act as another user, so this is the real refusal. Without root the mode
  // bits above are what stands for it.
  (process.getuid?.() === 0 ? it : it.skip)('refuses a connection from another local user with EACCES', async () => {
    const NOBODY = 65534;
    expect(await connectAs(NOBODY, join(server.socketDir, '.s.PGSQL.5432'))).toBe('EACCES');
    // The same probe as this user gets in, so the refusal above is the directory's doing.
    expect(await connectAs(process.getuid!(), join(server.socketDir, '.s.PGSQL.5432'))).toBe('connected');
  });
});
