import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../infrastructure/config/project-root';

export interface BenchPlatform {
  graphqlUrl: string;
  /** The platform's process, for its RSS. */
  pid: number;
  /** Hands every JSON log line whose msg is `msg` to `handler`, from now on. */
  onLog(msg: string, handler: (line: Record<string, unknown>) => void): void;
  stop(): Promise<void>;
}

/**
 * The embedded platform in its own process (so load and server do not share an event loop), on a throwaway
 * data dir. Only the variables given here reach it, and BENCH_CPU_PROF_DIR: when set, the platform writes a V8 CPU
 * profile there as it stops (open it in Chrome DevTools or speedscope).
 */
/** Node's flags for a CPU profile written to BENCH_CPU_PROF_DIR at exit, when it is set. */
function profiling(): string[] {
  const dir = process.env.BENCH_CPU_PROF_DIR;
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : [];
}

export async function startBenchPlatform(env: Record<string, string>): Promise<BenchPlatform> {
  const dataDir = mkdtempSync(join(tmpdir(), 'lattice-bench-'));
  const child: ChildProcess = spawn(process.execPath, [...profiling(), join(projectRoot(), 'dist', 'platform', 'main.js')], {
    env: { PATH: process.env.PATH ?? '', LATTICE_DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  // A bench that dies (an unhandled rejection) must not leave the platform running with nobody to stop it.
  const killChild = () => child.kill('SIGTERM');
  process.once('exit', killChild);
  const handlers = new Map<string, ((line: Record<string, unknown>) => void)[]>();
  let pending = '';
  // Only complete lines whose msg someone asked for are parsed; the rest are dropped as they arrive.
  child.stdout!.on('data', (chunk: Buffer) => {
    const lines = (pending + chunk.toString()).split('\n');
    pending = lines.pop() ?? '';
    for (const text of lines) {
      const msg = /"msg":"((?:[^"\\]|\\.)*)"/.exec(text)?.[1];
      const wanted = msg === undefined ? undefined : handlers.get(msg);
      if (wanted) for (const handler of wanted) handler(JSON.parse(text) as Record<string, unknown>);
    }
  });
  const onLog = (msg: string, handler: (line: Record<string, unknown>) => void) => handlers.set(msg, [...(handlers.get(msg) ?? []), handler]);
  const graphqlUrl = await new Promise<string>((resolve, reject) => {
    onLog('Lattice gateway ready', (line) => resolve(String(line.url)));
    child.once('exit', (code) => reject(new Error(`platform exited with ${code} before it was ready`)));
  });
  return {
    graphqlUrl,
    pid: child.pid!,
    onLog,
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
      process.removeListener('exit', killChild);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
