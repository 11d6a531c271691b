import { chmodSync, lstatSync, mkdirSync, mkdtempSync, rmSync, unlinkSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** `pg` and psql connect to `<host dir>/.s.PGSQL.<port>`: over a Unix socket the port only names the file. */
export const SOCKET_PORT = 5432;
const SOCKET_FILE = `.s.PGSQL.${SOCKET_PORT}`;

/**
 * sun_path holds 108 bytes on Linux and 104 on macOS and the BSDs, its terminating NUL included. Node does not
 * refuse a longer path: it silently binds a truncated one, which no client would find.
 */
export const MAX_SOCKET_PATH_BYTES = process.platform === 'linux' ? 107 : 103;

export interface SocketPlacement {
  /** A directory only this process's user can enter (mode 0700): what keeps other local users out. */
  readonly dir: string;
  /** The socket file in it. */
  readonly path: string;
  /** A directory of its own under the system temp dir, to be removed on stop (the preferred one was too long). */
  readonly temporary: boolean;
}

export const socketPathIn = (dir: string): string => join(dir, SOCKET_FILE);

export const socketPathFits = (dir: string): boolean => Buffer.byteLength(socketPathIn(dir)) <= MAX_SOCKET_PATH_BYTES;

/**
 * Where a database socket goes: `preferredDir` when its socket path fits, otherwise a fresh private directory
 * under the system temp dir. Either way the directory is mode 0700 and owned by this user, or this throws.
 */
export function placeSocket(preferredDir: string | undefined, fallbackRoot: string = tmpdir()): SocketPlacement {
  if (preferredDir !== undefined && socketPathFits(resolve(preferredDir))) {
    const dir = resolve(preferredDir);
    securePrivateDirectory(dir);
    return { dir, path: socketPathIn(dir), temporary: false };
  }
  const template = join(fallbackRoot, 'lattice-pg-');
  if (!socketPathFits(`${template}XXXXXX`)) {
    const tried = [preferredDir, fallbackRoot].filter((d): d is string => d !== undefined).map((d) => `${socketPathIn(resolve(d))} (${Buffer.byteLength(socketPathIn(resolve(d)))} bytes)`);
    throw new Error(
      `the embedded database's Unix socket path must be at most ${MAX_SOCKET_PATH_BYTES} bytes, and ${tried.join(' and ')} ${tried.length > 1 ? 'are' : 'is'} not; ` +
        'use a shorter LATTICE_DATA_DIR, or a shorter TMPDIR',
    );
  }
  const dir = mkdtempSync(template); // created 0700
  try {
    securePrivateDirectory(dir);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return { dir, path: socketPathIn(dir), temporary: true };
}

/**
 * Connecting to a Unix socket needs search permission on its directory, so a 0700 directory of this user's keeps
 * every other local user out, whatever the socket file's own mode. A symbolic link or someone else's directory
 * is refused rather than trusted.
 */
export function securePrivateDirectory(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const stat = lstatSync(dir);
  if (!stat.isDirectory()) throw new Error(`${dir} must be a directory, not a symbolic link or a file: the embedded database's socket goes there`);
  const uid = process.getuid?.();
  if (uid !== undefined && stat.uid !== uid) {
    throw new Error(`${dir} belongs to uid ${stat.uid}, not to this process's user (uid ${uid}); the embedded database's socket needs a directory only its own user can enter`);
  }
  chmodSync(dir, 0o700);
}

/**
 * A socket file left by a process that crashed is removed; one that still answers belongs to a running process
 * serving the same database, and two processes must never open one PGlite data directory.
 */
export async function removeStaleSocket(path: string): Promise<void> {
  let isSocket: boolean;
  try {
    isSocket = lstatSync(path).isSocket();
  } catch {
    return; // nothing there
  }
  if (!isSocket) throw new Error(`${path} exists and is not a socket; remove it so the embedded database can listen there`);
  const answered = await new Promise<boolean>((settle) => {
    const probe = connect(path);
    probe.once('connect', () => {
      probe.destroy();
      settle(true);
    });
    probe.once('error', () => settle(false));
  });
  if (answered) throw new Error(`another process is already serving this embedded database at ${path}; stop it first (one data directory, one process)`);
  unlinkSync(path);
}

/** What `pg` (and psql) take for a database behind a socket in `dir`: no TCP host, the port only names the file. */
export function socketDatabaseUrl(dir: string): string {
  const host = encodeURIComponent(dir).replace(/%2F/gi, '/');
  // Port and sslmode are explicit so PGPORT or PGSSLMODE in the environment cannot send `pg` elsewhere.
  return `postgres://postgres@/postgres?host=${host}&port=${SOCKET_PORT}&sslmode=disable`;
}
