import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { PERMISSIONS } from '../../infrastructure/authorization/permissions';
import type { EventBus } from '../../infrastructure/events';
import { SystemSubgraphClient } from '../../infrastructure/graphql/system-subgraph-client';
import type { Logger } from '../../infrastructure/logging/logger';
import type { SupergraphSource, SupergraphText } from './supergraph-source';

/** What readiness says about the registry behind the running supergraph. */
export interface RegistrySourceStatus {
  readonly registry: 'reachable' | 'unreachable';
  /** When the registry last stopped answering (ISO), while it is unreachable. */
  readonly unreachableSince: string | null;
  /** Serving the copy on disk because the registry could not be asked at start. */
  readonly servingCachedCopy: boolean;
  readonly cachePath: string;
}

export interface RegistrySourceOptions {
  /** The registry's GraphQL URL, read on every call (an embedded registry's port is known once it has started). */
  graphqlUrl: () => string;
  contextSecret: string;
  /** Where the last supergraph loaded from the registry is kept, for a start while the registry is down. */
  cachePath: string;
  pollMs: number;
  timeoutMs: number;
  bus: EventBus;
  logger: Logger;
}

const origin = (id: string) => `schema registry (supergraph ${id})`;

/** A gateway asking the registry in its own name (a SYSTEM context it signs), holding schema:read and nothing more. */
export function gatewayRegistryClient(graphqlUrl: () => string, contextSecret: string, timeoutMs: number): SystemSubgraphClient {
  return new SystemSubgraphClient({ service: 'schema registry', graphqlUrl, contextSecret, caller: 'gateway', permissions: [PERMISSIONS.schemaRead], timeoutMs });
}

/**
 * The schema registry's current supergraph (LATTICE_SUPERGRAPH_SOURCE=registry). A publish event on the bus makes
 * the gateway ask at once; polling every `pollMs` is the backstop (an event missed while the bus was away, a
 * registry in another deployment). Each supergraph loaded is written to `cachePath`, so a gateway that starts while
 * the registry is down serves the last one it had; one that is running keeps serving what it has, and says so.
 */
export function registrySupergraph(options: RegistrySourceOptions): SupergraphSource & { status(): RegistrySourceStatus } {
  const client = gatewayRegistryClient(options.graphqlUrl, options.contextSecret, options.timeoutMs);
  const { logger } = options;
  let lastId: string | null = null;
  let unreachableSince: Date | null = null;
  let servingCachedCopy = false;
  let timer: NodeJS.Timeout | undefined;
  let unsubscribe: (() => Promise<void>) | undefined;
  let checking: Promise<void> | null = null;
  let again = false;
  let stopped = false;

  const reachable = () => {
    if (unreachableSince) logger.info('schema registry reachable again', { unreachableForMs: Date.now() - unreachableSince.getTime() });
    unreachableSince = null;
  };
  const unreachable = (error: unknown) => {
    if (!unreachableSince) {
      unreachableSince = new Date();
      logger.warn('schema registry unreachable: serving the supergraph already loaded', { supergraph: lastId, reason: error instanceof Error ? error.message : String(error) });
    }
  };
  const fetchSupergraph = async (): Promise<{ id: string; sdl: string } | null> => {
    const data = await client.query<{ registrySupergraph: { id: string; sdl: string } | null }>('{ registrySupergraph { id sdl } }', {});
    return data.registrySupergraph;
  };
  const keep = async (sdl: string) => {
    await mkdir(dirname(options.cachePath), { recursive: true, mode: 0o700 });
    const temporary = `${options.cachePath}.${process.pid}.tmp`;
    await writeFile(temporary, sdl, { mode: 0o600 });
    await rename(temporary, options.cachePath);
  };

  return {
    description: `schema registry (asked every ${options.pollMs} ms and on every publish; copy kept at ${options.cachePath})`,
    status: () => ({
      registry: unreachableSince ? 'unreachable' : 'reachable',
      unreachableSince: unreachableSince?.toISOString() ?? null,
      servingCachedCopy,
      cachePath: options.cachePath,
    }),
    async start(onText) {
      let first: SupergraphText;
      try {
        const current = await fetchSupergraph();
        if (!current) throw new Error('the registry has no supergraph yet');
        await keep(current.sdl).catch((error: unknown) => logger.warn('could not keep a copy of the supergraph', { path: options.cachePath, error }));
        lastId = current.id;
        first = { sdl: current.sdl, origin: origin(current.id) };
      } catch (error) {
        const cached = await readFile(options.cachePath, 'utf8').catch(() => null);
        if (cached === null) {
          throw new Error(`the schema registry could not be asked for the supergraph (${error instanceof Error ? error.message : String(error)}), and there is no copy at ${options.cachePath}`);
        }
        unreachable(error);
        servingCachedCopy = true;
        const at = await stat(options.cachePath).then((s) => s.mtime.toISOString()).catch(() => 'unknown');
        logger.warn('starting on the copy of the last supergraph loaded from the schema registry', { path: options.cachePath, keptAt: at });
        first = { sdl: cached, origin: `${options.cachePath} (copy kept from the schema registry)` };
      }

      const check = async (): Promise<void> => {
        try {
          const { registrySupergraphId: id } = await client.query<{ registrySupergraphId: string | null }>('{ registrySupergraphId }', {});
          if (id === null || id === lastId || stopped) return reachable();
          const current = await fetchSupergraph();
          reachable();
          if (!current || current.id === lastId) return;
          lastId = current.id;
          servingCachedCopy = false;
          await onText({ sdl: current.sdl, origin: origin(current.id) });
          await keep(current.sdl).catch((error: unknown) => logger.warn('could not keep a copy of the supergraph', { path: options.cachePath, error }));
        } catch (error) {
          unreachable(error);
        }
      };
      // One check at a time; a publish heard during a check is checked right after it.
      const schedule = () => {
        if (stopped) return;
        if (checking) {
          again = true;
          return;
        }
        checking = check().finally(() => {
          checking = null;
          if (again) {
            again = false;
            schedule();
          }
        });
      };
      timer = setInterval(schedule, options.pollMs);
      timer.unref();
      unsubscribe = await options.bus.subscribe('schema.subgraph.published', () => schedule());
      return first;
    },
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      await unsubscribe?.();
      await checking;
    },
  };
}
