import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../infrastructure/config/project-root';

export interface BenchPlatform {
  graphqlUrl: string;
  stop(): Promise<void>;
}

/**
 * The embedded platform in its own process (so load and server do not share an event loop), on a throwaway
 * data dir. Only the variables given here reach it.
 */
export async function startBenchPlatform(env: Record<string, string>): Promise<BenchPlatform> {
  const dataDir = mkdtempSync(join(tmpdir(), 'lattice-bench-'));
  const child: ChildProcess = spawn(process.execPath, [join(projectRoot(), 'dist', 'platform', 'main.js')], {
    env: { PATH: process.env.PATH ?? '', LATTICE_DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const graphqlUrl = await new Promise<string>((resolve, reject) => {
    let buffered = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      // Keep only the tail: the ready line is all we need, and request logs would otherwise pile up.
      buffered = (buffered + chunk.toString()).slice(-4096);
      const match = /"url":"([^"]+\/graphql)","msg":"Lattice gateway ready"/.exec(buffered);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`platform exited with ${code} before it was ready`)));
  });
  return {
    graphqlUrl,
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
