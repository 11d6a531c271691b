import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ROOT, type ServiceProcess } from '../support/processes';

/**
 * Runs any command as a service process with JSON-line logs on stdout (Lattice's gateway, or another gateway a
 * benchmark compares): `test/support`'s startProcess runs an entry point without arguments; this one takes them.
 */
export function startCommand(command: string, args: readonly string[], env: NodeJS.ProcessEnv): ServiceProcess {
  const child = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const lines: Record<string, unknown>[] = [];
  const waiters: { test: (line: Record<string, unknown>) => boolean; resolve: (line: Record<string, unknown>) => void }[] = [];
  const onLine = (raw: string) => {
    if (!raw.startsWith('{')) return;
    let line: Record<string, unknown>;
    try {
      line = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      return;
    }
    lines.push(line);
    for (const waiter of [...waiters]) {
      if (!waiter.test(line)) continue;
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve(line);
    }
  };
  let pending = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    const parts = (pending + chunk.toString()).split('\n');
    pending = parts.pop() ?? '';
    parts.forEach(onLine);
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
        const timer = setTimeout(() => reject(new Error(`timed out waiting for log ${String(msg)}; output so far:\n${output.slice(-4000)}`)), timeoutMs);
        const waiter = {
          test,
          resolve: (line: Record<string, unknown>) => {
            clearTimeout(timer);
            resolve(line);
          },
        };
        waiters.push(waiter);
        void exited.then((code) => {
          if (!waiters.includes(waiter)) return;
          clearTimeout(timer);
          reject(new Error(`process exited with ${code} before logging ${String(msg)}; output:\n${output.slice(-4000)}`));
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

/** `node dist/gateway/main.js --supergraph FILE`: what `npm run start:gateway -- --supergraph FILE` runs once built. */
export function startLatticeGateway(supergraphPath: string, env: NodeJS.ProcessEnv): ServiceProcess {
  return startCommand(process.execPath, [join(ROOT, 'dist', 'gateway', 'main.js'), '--supergraph', supergraphPath], env);
}

/** Every JSON log line with this msg that the process wrote so far, oldest first (waitForLog finds only the first). */
export function logLines(service: ServiceProcess, msg: string): Record<string, unknown>[] {
  const found: Record<string, unknown>[] = [];
  for (const raw of service.output().split('\n')) {
    if (!raw.startsWith('{')) continue;
    try {
      const line = JSON.parse(raw) as Record<string, unknown>;
      if (line.msg === msg) found.push(line);
    } catch {
      // a line cut by the end of output so far, or not JSON
    }
  }
  return found;
}
