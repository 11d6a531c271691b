import { createHash } from 'node:crypto';
import type { Logger } from '../../infrastructure/logging/logger';
import type { GatewayFeature, OperationResolution, RequestedOperation } from '../core/feature';

export type SafelistMode = 'audit' | 'enforce';

/** A registered operation as the gateway keeps it: its id (the SHA-256 of its text) and its text. */
export interface SafelistEntry {
  readonly id: string;
  readonly body: string;
}

export interface SafelistSource {
  /** Every registered operation. */
  load(): Promise<readonly SafelistEntry[]>;
  /** A number that changes when an operation is added (the count), so the list is fetched again only then. */
  version(): Promise<number>;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * `useSafelist` (LATTICE_SAFELIST=audit|enforce): the operations clients registered with the schema registry
 * (persisted operations, Apollo's manifest format) are the only ones the gateway runs. A request may send the
 * operation's id alone (`extensions.persistedQuery.sha256Hash`), and the gateway runs the registered text; or
 * the text, which must be a registered one byte for byte. `enforce` refuses anything else before it is parsed,
 * so before any subgraph is called: an unknown id is NOT_FOUND, an unregistered text FORBIDDEN. `audit` runs
 * everything and logs what `enforce` would refuse, to find the operations still missing from the manifests.
 * The list is fetched at start and whenever its count changes (polled every `pollMs`). HTTP only: subscriptions over
 * WebSocket are not checked against it.
 */
export async function useSafelist(options: { mode: SafelistMode; source: SafelistSource; pollMs: number; logger: Logger }): Promise<GatewayFeature> {
  const { mode, source, logger } = options;
  let operations = new Map<string, string>();
  let loadedVersion: number | null = null;
  const refresh = async () => {
    const version = await source.version();
    if (version === loadedVersion) return;
    const entries = await source.load();
    operations = new Map(entries.map((e) => [e.id, e.body]));
    loadedVersion = version;
    logger.info('safelist loaded', { mode, operations: operations.size });
  };
  await refresh().catch((error: unknown) => logger.error('could not load the safelist from the schema registry; retrying', { mode, reason: error instanceof Error ? error.message : String(error) }));
  let refreshing: Promise<void> | null = null;
  const timer = setInterval(() => {
    refreshing ??= refresh()
      .catch((error: unknown) => logger.warn('could not refresh the safelist', { reason: error instanceof Error ? error.message : String(error) }))
      .finally(() => (refreshing = null));
  }, options.pollMs);
  timer.unref();

  const refuse = (code: string, message: string): OperationResolution => ({ refuse: { message, extensions: { code } } });
  const wouldRefuse = (requested: RequestedOperation, requestId: string, reason: string, answer: OperationResolution): OperationResolution | null => {
    if (mode === 'enforce') return answer;
    logger.warn('safelist would refuse this operation', { requestId, operationName: requested.operationName, id: requested.persistedId ?? sha256(requested.query ?? ''), reason });
    return null;
  };

  return {
    name: 'safelist',
    resolveOperation(requested, context) {
      const { requestId } = context.request;
      if (mode === 'enforce' && loadedVersion === null) return refuse('SERVICE_UNAVAILABLE', 'the safelist is not loaded yet; try again shortly');
      if (requested.persistedId !== null) {
        const body = operations.get(requested.persistedId);
        if (body !== undefined) return requested.query === null ? { query: body } : null;
        return wouldRefuse(requested, requestId, 'unknown id', refuse('NOT_FOUND', `no registered operation has the id ${requested.persistedId.slice(0, 64)}; register it with lattice-schema register-operations`));
      }
      if (requested.query === null) return null;
      if (operations.has(sha256(requested.query))) return null;
      return wouldRefuse(requested, requestId, 'not registered', refuse('FORBIDDEN', 'this gateway runs only registered operations: send a registered one (or its id), or register it with lattice-schema register-operations'));
    },
    async stop() {
      clearInterval(timer);
      await refreshing;
    },
  };
}
