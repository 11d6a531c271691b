import { spawn, type ChildProcess } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import { projectRoot } from '../../infrastructure/config/project-root';

/** The project root, whether this runs from the TypeScript sources (tests) or from dist/ (the bench). */
export const ROOT = projectRoot(__dirname);

/** The environment a spawned service gets: only what the test passes, so a developer's shell cannot change the mode. */
export function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LOG_LEVEL: 'info', ...extra };
}

export interface ServiceProcess {
  readonly child: ChildProcess;
  /** Everything the process wrote so far (stdout then stderr interleaved as received). */
  output(): string;
  /** Resolves with the first JSON log line whose msg matches. */
  waitForLog(msg: string | RegExp, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Sends SIGTERM and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  exited: Promise<number | null>;
}

/** Runs a compiled entry point (`dist/...`) as a real process; `npm test` builds first. */
export function startProcess(entry: string, env: NodeJS.ProcessEnv, args: readonly string[] = []): ServiceProcess {
  return startCommand(process.execPath, [join(ROOT, 'dist', entry), ...args], env);
}

/** Runs any command whose logs are JSON lines on stdout (a Lattice service, or another gateway a benchmark compares). */
export function startCommand(command: string, args: readonly string[], env: NodeJS.ProcessEnv): ServiceProcess {
  const child = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const lines: Record<string, unknown>[] = [];
  const waiters: { test: (line: Record<string, unknown>) => boolean; resolve: (line: Record<string, unknown>) => void }[] = [];
  const onLine = (text: string) => {
    for (const raw of text.split('\n')) {
      if (!raw.startsWith('{')) continue;
      let line: Record<string, unknown>;
      try {
        line = JSON.parse(raw) as Record<string, unknown>;
      } catch {
        continue;
      }
      lines.push(line);
      for (const waiter of [...waiters]) {
        if (waiter.test(line)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(line);
        }
      }
    }
  };
  let pending = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    pending += chunk.toString();
    const end = pending.lastIndexOf('\n');
    if (end >= 0) {
      onLine(pending.slice(0, end));
      pending = pending.slice(end + 1);
    }
  });
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    output: () => output,
    exited,
    waitForLog(msg, timeoutMs = 60_000) {
      const test = (line: Record<string, unknown>) => (typeof msg === 'string' ? line.msg === msg : msg.test(String(line.msg)));
      const seen = lines.find(test);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out waiting for log ${msg}; output so far:\n${output.slice(-4000)}`)), timeoutMs);
        const waiter = {
          test,
          resolve: (line: Record<string, unknown>) => {
            clearTimeout(timer);
            resolve(line);
          },
        };
        waiters.push(waiter);
        void exited.then((code) => {
          if (waiters.includes(waiter)) {
            clearTimeout(timer);
            reject(new Error(`process exited with ${code} before logging ${msg}; output:\n${output.slice(-4000)}`));
          }
        });
      });
    },
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** What a service logs when the port it was told to bind is taken (Node's EADDRINUSE, or redis-server's words). */
const PORT_TAKEN = /EADDRINUSE|Address already in use/;

/** A start that failed only because another process bound the port first; starting again can succeed. */
export class PortTakenError extends Error {}

export interface ListeningProcess {
  process: ServiceProcess;
  /** The `url` the process logged once it was listening. */
  url: string;
  /** The port it bound: what a restart must bind again, since other services were told this URL. */
  port: number;
}

/**
 * Starts `entry` and resolves once it logged `listeningLog` with the `url` it bound. Give port 0 (in the env) and
 * the kernel picks a free port no other process can take first. `onSpawn` sees the process at once, so a caller
 * starting several can stop them all when one fails. A start that lost its port rejects with PortTakenError.
 */
export async function startListening(entry: string, env: NodeJS.ProcessEnv, listeningLog: string, onSpawn: (process: ServiceProcess) => void): Promise<ListeningProcess> {
  const process = startProcess(entry, env);
  onSpawn(process);
  try {
    const url = String((await process.waitForLog(listeningLog)).url);
    return { process, url, port: Number(new URL(url).port) };
  } catch (error) {
    await process.stop();
    if (PORT_TAKEN.test(process.output())) throw new PortTakenError(`${entry} lost its port to another process: ${(error as Error).message}`);
    throw error;
  }
}

/**
 * Starts again (`start`) while it fails with PortTakenError, pausing briefly between tries, for at most `forMs`.
 * For a process that must come back on a port other processes already know, once whoever took it lets it go.
 */
export async function retryWhilePortTaken<T>(start: () => Promise<T>, forMs = 10_000): Promise<T> {
  const deadline = Date.now() + forMs;
  for (;;) {
    try {
      return await start();
    } catch (error) {
      if (!(error instanceof PortTakenError) || Date.now() >= deadline) throw error;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

/**
 * A port free at this moment, and only at this moment: any process may take it before the caller's child binds
 * it (that is how parallel workers once lost whole suites). Use port 0 and read the bound port where the child
 * logs it; this is only for a child that cannot (redis-server) or whose port must be known before it starts, and
 * then only with a start retried on PortTakenError.
 */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A redis-server of the test's own, without persistence: killing it loses everything, as a crashed cache would. */
export interface ThrowawayRedis {
  readonly port: number;
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  /** SIGKILL (no shutdown, no save); resolves once the process is gone. Does nothing when it is not running. */
  kill(): Promise<void>;
  /** Starts it again on the same port, empty; resolves once it answers PING. */
  start(): Promise<void>;
}

/** Resolves when a PING on a fresh connection to `port` is answered with PONG; rejects after `timeoutMs`. */
export async function waitForRedisPing(port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const ping = () =>
    new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      let reply = '';
      socket.setTimeout(500, () => socket.destroy());
      socket.once('connect', () => socket.write('PING\r\n'));
      socket.on('data', (chunk: Buffer) => {
        reply += chunk.toString();
        if (reply.includes('\r\n')) socket.end();
      });
      socket.once('error', () => undefined);
      socket.once('close', () => resolve(reply.startsWith('+PONG')));
    });
  while (Date.now() < deadline) {
    if (await ping()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`redis-server on port ${port} did not answer PING within ${timeoutMs} ms`);
}

/** redis-server logs this once it holds its listening socket (7.0: "Ready to accept connections", 7.2+: "... tcp"). */
const REDIS_READY = /Ready to accept connections/;

/**
 * Spawns `redis-server --port <port> --bind 127.0.0.1 --save "" --appendonly no` and waits for PING. redis-server
 * cannot bind port 0 (it means "no TCP"), so it gets a port free a moment ago; a first start that lost it to another
 * process tries a new port, a restart (`start()`, whose URL the platform already has) retries the same one.
 */
export async function startThrowawayRedis(): Promise<ThrowawayRedis> {
  let child: ChildProcess | null = null;
  let log = '';
  let port = 0;
  const startOn = async (onPort: number) => {
    if (child && child.exitCode === null && child.signalCode === null) throw new Error(`redis-server on port ${onPort} is already running`);
    log = '';
    const spawned = spawn('redis-server', ['--port', String(onPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
    child = spawned;
    // Bound, or gone: a PONG before this could come from whoever holds the port.
    const bound = await new Promise<boolean>((resolve) => {
      const onOutput = (chunk: Buffer) => {
        log = (log + chunk.toString()).slice(-4000);
        if (REDIS_READY.test(log)) resolve(true);
      };
      spawned.stdout.on('data', onOutput);
      spawned.stderr.on('data', onOutput);
      spawned.once('exit', () => resolve(false));
    });
    if (!bound) {
      if (PORT_TAKEN.test(log)) throw new PortTakenError(`redis-server lost port ${onPort} to another process`);
      throw new Error(`redis-server on port ${onPort} exited before it was ready; its output:\n${log}`);
    }
    await waitForRedisPing(onPort).catch((error: unknown) => {
      spawned.kill('SIGKILL');
      throw new Error(`${(error as Error).message}; its output:\n${log}`);
    });
  };
  const kill = async () => {
    const running = child;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const gone = new Promise<void>((resolve) => running.once('exit', () => resolve()));
    running.kill('SIGKILL');
    await gone;
  };
  for (let attempt = 1; ; attempt++) {
    port = await freePort();
    try {
      await startOn(port);
      break;
    } catch (error) {
      if (!(error instanceof PortTakenError) || attempt >= 5) throw error;
    }
  }
  return { port, url: `redis://127.0.0.1:${port}`, kill, start: () => retryWhilePortTaken(() => startOn(port)) };
}
