import { watch, type FSWatcher } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { projectRoot } from '../../infrastructure/config/project-root';
import type { Logger } from '../../infrastructure/logging/logger';

/** A supergraph text and where it came from. */
export interface SupergraphText {
  readonly sdl: string;
  readonly origin: string;
}

/**
 * Where supergraph versions come from. `start` hands over the first text (its promise fails if there is none)
 * and then every new one; the gateway decides whether each parses and loads. Implementations: the committed
 * file, a watched file, and (later) the schema registry.
 */
export interface SupergraphSource {
  /** For the start log: what this source reads. */
  readonly description: string;
  start(onText: (text: SupergraphText) => Promise<void>): Promise<SupergraphText>;
  stop(): Promise<void>;
}

/** The composed supergraph committed by `npm run schema:compose`. */
export function committedSupergraphPath(): string {
  return join(projectRoot(), 'schema', 'supergraph.graphql');
}

async function readSupergraphFile(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(`cannot read the supergraph file ${path}: ${code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
  }
}

/** The committed `schema/supergraph.graphql`, read once: it changes with a deploy, not while running. */
export function committedSupergraph(path = committedSupergraphPath()): SupergraphSource {
  return {
    description: `${path} (committed)`,
    async start() {
      return { sdl: await readSupergraphFile(path), origin: path };
    },
    async stop() {},
  };
}

/**
 * A file watched for new versions (LATTICE_SUPERGRAPH_PATH). A change is noticed by a directory watch at once and
 * by polling every `pollMs` as a backstop (watches miss changes on some filesystems and after a rename).
 * A text is handed over only when it differs from the last one; a half-written file fails to parse, is refused by
 * the gateway, and the complete text that follows is handed over in its turn.
 */
export function watchedSupergraphFile(path: string, options: { pollMs: number; logger: Logger }): SupergraphSource {
  const file = resolve(path);
  let timer: NodeJS.Timeout | undefined;
  let watcher: FSWatcher | undefined;
  let last = '';
  let lastStamp = '';
  let checking: Promise<void> | null = null;
  let again = false;
  let stopped = false;
  return {
    description: `${file} (watched every ${options.pollMs} ms)`,
    async start(onText) {
      const first = await readSupergraphFile(file);
      last = first;
      lastStamp = await stampOf(file);
      const check = async (): Promise<void> => {
        const stamp = await stampOf(file);
        if (stamp === lastStamp || stopped) return;
        const sdl = await readFile(file, 'utf8').catch(() => null);
        if (sdl === null) return; // between an unlink and a rename: the next check sees the new file
        lastStamp = stamp;
        if (sdl === last) return;
        last = sdl;
        await onText({ sdl, origin: file });
      };
      // One check at a time; a change noticed during a check is checked right after it.
      const schedule = () => {
        if (checking) {
          again = true;
          return;
        }
        checking = check()
          .catch((error: unknown) => options.logger.warn('could not check the supergraph file', { path: file, error }))
          .finally(() => {
            checking = null;
            if (again && !stopped) {
              again = false;
              schedule();
            }
          });
      };
      timer = setInterval(schedule, options.pollMs);
      timer.unref();
      try {
        // Watch the directory, not the file: an atomic replace (write, then rename) swaps the file's inode.
        watcher = watch(dirname(file), (_event, name) => {
          if (name === null || name === basename(file)) schedule();
        });
        watcher.on('error', () => undefined);
        watcher.unref();
      } catch {
        // Polling alone still sees every change.
      }
      return { sdl: first, origin: file };
    },
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      watcher?.close();
      await checking;
    },
  };
}

/** Size and modification time: what changes when the file is rewritten, cheaply read on every poll. */
async function stampOf(file: string): Promise<string> {
  const info = await stat(file).catch(() => null);
  return info ? `${info.size}:${info.mtimeMs}:${info.ino}` : 'missing';
}
