import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAX_SOCKET_PATH_BYTES, placeSocket, removeStaleSocket, socketDatabaseUrl, socketPathIn } from './private-socket';

const mode = (path: string) => statSync(path).mode & 0o777;

describe('the private directory of an embedded database socket', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'lattice-socket-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('makes the preferred directory mode 0700, even one that existed wider open', () => {
    const dir = join(root, 'sockets', 'identity');
    mkdirSync(dir, { recursive: true });
    chmodSync(dir, 0o755);
    const placed = placeSocket(dir);
    expect(placed).toEqual({ dir, path: join(dir, '.s.PGSQL.5432'), temporary: false });
    expect(mode(dir)).toBe(0o700);
    expect(statSync(dir).uid).toBe(process.getuid?.());
  });

  it('falls back to a fresh 0700 directory under the temp dir when the preferred path is too long for a socket', () => {
    const long = join(root, 'x'.repeat(MAX_SOCKET_PATH_BYTES));
    const placed = placeSocket(long);
    try {
      expect(placed.temporary).toBe(true);
      expect(placed.dir.startsWith(tmpdir())).toBe(true);
      expect(Buffer.byteLength(placed.path)).toBeLessThanOrEqual(MAX_SOCKET_PATH_BYTES);
      expect(mode(placed.dir)).toBe(0o700);
      expect(existsSync(long)).toBe(false);
    } finally {
      rmSync(placed.dir, { recursive: true, force: true });
    }
  });

  it('refuses, naming the limit and what to shorten, when the temp dir is too long as well', () => {
    const longTemp = join(root, 't'.repeat(MAX_SOCKET_PATH_BYTES));
    expect(() => placeSocket(join(root, 'x'.repeat(MAX_SOCKET_PATH_BYTES)), longTemp)).toThrow(
      new RegExp(`must be at most ${MAX_SOCKET_PATH_BYTES} bytes.*use a shorter LATTICE_DATA_DIR, or a shorter TMPDIR`),
    );
  });

  it('refuses a symbolic link in place of the directory', () => {
    const target = join(root, 'elsewhere');
    mkdirSync(target);
    symlinkSync(target, join(root, 'link'));
    expect(() => placeSocket(join(root, 'link'))).toThrow(/must be a directory, not a symbolic link/);
  });
});

describe('a socket file already in place', () => {
  let root: string;
  let live: Server | undefined;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'lattice-socket-'));
  });
  afterEach(async () => {
    await new Promise<void>((resolve) => (live ? live.close(() => resolve()) : resolve()));
    live = undefined;
    rmSync(root, { recursive: true, force: true });
  });

  it('is removed when it was left by a process that died', async () => {
    const path = socketPathIn(root);
    // SIGKILLed while listening, the process cannot remove its socket file.
    spawnSync(process.execPath, ['-e', `require('node:net').createServer().listen(${JSON.stringify(path)}, () => process.kill(process.pid, 'SIGKILL'))`]);
    expect(statSync(path).isSocket()).toBe(true);
    await removeStaleSocket(path);
    expect(existsSync(path)).toBe(false);
  });

  it('stops the start when a running process still answers on it', async () => {
    const path = socketPathIn(root);
    const server = createServer();
    live = server;
    await new Promise<void>((resolve) => server.listen(path, resolve));
    await expect(removeStaleSocket(path)).rejects.toThrow(/another process is already serving this embedded database/);
    expect(existsSync(path)).toBe(true);
  });

  it('stops the start when something other than a socket is there', async () => {
    const path = socketPathIn(root);
    writeFileSync(path, '');
    await expect(removeStaleSocket(path)).rejects.toThrow(/exists and is not a socket/);
  });
});

describe('the URL of a database behind a socket', () => {
  it('names the socket directory and no TCP host, with the port and sslmode pinned', () => {
    const url = socketDatabaseUrl('/tmp/lattice data/sockets/identity');
    expect(url.startsWith('postgres://postgres@/postgres?')).toBe(true);
    expect(Object.fromEntries(new URLSearchParams(url.slice(url.indexOf('?') + 1)))).toEqual({
      host: '/tmp/lattice data/sockets/identity',
      port: '5432',
      sslmode: 'disable',
    });
  });
});
