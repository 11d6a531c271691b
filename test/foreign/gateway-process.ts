import { startProcess, type ServiceProcess } from '../support/processes';

/** `node dist/gateway/main.js --supergraph FILE`: what `npm run start:gateway -- --supergraph FILE` runs once built. */
export function startLatticeGateway(supergraphPath: string, env: NodeJS.ProcessEnv): ServiceProcess {
  return startProcess('gateway/main.js', env, ['--supergraph', supergraphPath]);
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
