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

/** Spawns `redis-server --port <port> --bind 127.0.0.1 --save "" --appendonly no` and waits for PING. */
export async function startThrowawayRedis(port: number): Promise<ThrowawayRedis> {
  let child: ChildProcess | null = null;
  let log = '';
  const start = async () => {
    if (child && child.exitCode === null && child.signalCode === null) throw new Error(`redis-server on port ${port} is already running`);
    const spawned = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
    spawned.stdout.on('data', (chunk: Buffer) => (log = (log + chunk.toString()).slice(-4000)));
    spawned.stderr.on('data', (chunk: Buffer) => (log = (log + chunk.toString()).slice(-4000)));
    child = spawned;
    await waitForRedisPing(port).catch((error: unknown) => {
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
  await start();
  return { port, url: `redis://127.0.0.1:${port}`, kill, start };
}
