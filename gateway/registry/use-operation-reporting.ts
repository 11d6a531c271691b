import type { DocumentNode } from 'graphql';
import type { Logger } from '../../infrastructure/logging/logger';
import { MAX_REPORT_ENTRIES } from '../../schema/registry/operation-report';
import { operationCoordinates, operationSignature } from '../../schema/registry/operation-usage';
import type { OperationUse } from '../../schema/registry/registry-store';
import { credential, type GatewayContext, type GatewayFeature } from '../core/feature';
import { apiSchemaOf } from '../supergraph/api-schema';
import { gatewayRegistryClient } from '../supergraph/registry-source';
import type { SupergraphVersion } from '../supergraph/supergraph-version';

interface Client {
  readonly name: string;
  readonly version: string;
}

interface Shape {
  readonly signature: string;
  readonly hash: string;
  readonly coordinates: readonly string[];
}

const header = (value: string | undefined, max: number) => (value ?? '').trim().slice(0, max);

/**
 * `useOperationReporting`: which operations clients really run, for the registry's operation checks. After each
 * answered operation the gateway counts its signature (literals stripped: no variable or argument value is ever
 * kept), its name, the client (`apollographql-client-name` / `apollographql-client-version`) and the day, in
 * memory; every `flushMs` the counts go to the registry in one report. Nothing of it is on the request path: the
 * signature and coordinates are worked out once per parsed document and version, and a registry that is down
 * costs the request nothing (the counts wait for the next flush, up to `maxDistinct` of them).
 */
export function useOperationReporting(options: {
  registryUrl: () => string;
  contextSecret: string;
  flushMs: number;
  maxDistinct: number;
  timeoutMs: number;
  logger: Logger;
}): GatewayFeature {
  // By the request facts, not the context object: Apollo hands operations a shallow copy of the context.
  const clients = new WeakMap<GatewayContext['request'], Client>();
  const shapes = new WeakMap<SupergraphVersion, WeakMap<DocumentNode, Map<string, Shape>>>();
  let pending = new Map<string, OperationUse>();
  let dropped = 0;
  let flushing: Promise<void> | null = null;
  const registry = gatewayRegistryClient(options.registryUrl, options.contextSecret, options.timeoutMs);

  const shapeOf = (version: SupergraphVersion, document: DocumentNode, operationName: string | null): Shape => {
    let byDocument = shapes.get(version);
    if (!byDocument) shapes.set(version, (byDocument = new WeakMap<DocumentNode, Map<string, Shape>>()));
    let byName = byDocument.get(document);
    if (!byName) byDocument.set(document, (byName = new Map<string, Shape>()));
    const key = operationName ?? '';
    let shape = byName.get(key);
    if (!shape) {
      const { signature, hash } = operationSignature(document, operationName);
      byName.set(key, (shape = { signature, hash, coordinates: operationCoordinates(apiSchemaOf(version), document, operationName) }));
    }
    return shape;
  };

  const add = (use: OperationUse) => {
    const key = `${use.signatureHash}|${use.clientName}|${use.clientVersion}|${use.day}`;
    const known = pending.get(key);
    if (known) pending.set(key, { ...known, count: known.count + use.count });
    else if (pending.size < options.maxDistinct) pending.set(key, use);
    else dropped += use.count;
  };

  const flush = async (): Promise<void> => {
    if (pending.size === 0) return;
    const batch = [...pending.values()];
    pending = new Map();
    for (let i = 0; i < batch.length; i += MAX_REPORT_ENTRIES) {
      const part = batch.slice(i, i + MAX_REPORT_ENTRIES);
      try {
        await registry.query('mutation($report: String!) { recordOperations(report: $report) { recorded } }', { report: JSON.stringify({ operations: part }) });
      } catch (error) {
        // Kept for the next flush (merged with what came meanwhile), within the same bound.
        for (const use of batch.slice(i)) add(use);
        options.logger.warn('could not report operations to the schema registry; keeping them for the next try', { operations: batch.length - i, reason: error instanceof Error ? error.message : String(error) });
        break;
      }
    }
    if (dropped > 0) {
      options.logger.warn('operation reports dropped: more distinct operations than a report keeps', { requests: dropped, maxDistinct: options.maxDistinct });
      dropped = 0;
    }
  };
  const scheduleFlush = () => {
    if (flushing) return;
    flushing = flush().finally(() => (flushing = null));
  };
  interface Seen {
    readonly version: SupergraphVersion;
    readonly document: DocumentNode;
    readonly operationName: string | null;
    readonly client: Client | null;
    readonly day: string;
  }
  let seen: Seen[] = [];
  let draining = false;
  const drain = () => {
    draining = false;
    const batch = seen;
    seen = [];
    for (const entry of batch) {
      try {
        const shape = shapeOf(entry.version, entry.document, entry.operationName);
        add({
          signatureHash: shape.hash,
          signature: shape.signature,
          operationName: entry.operationName,
          coordinates: shape.coordinates,
          clientName: entry.client?.name ?? '',
          clientVersion: entry.client?.version ?? '',
          day: entry.day,
          count: 1,
        });
      } catch (error) {
        options.logger.warn('could not work out an operation signature for the registry', { operation: entry.operationName, error });
      }
    }
  };
  const timer = setInterval(scheduleFlush, options.flushMs);
  timer.unref();

  return {
    name: 'operation-reporting',
    context(input, context) {
      const name = header(credential(input, 'apollographql-client-name'), 200);
      const version = header(credential(input, 'apollographql-client-version'), 100);
      if (name || version) clients.set(context.request, { name, version });
    },
    afterOperation({ context, document, operation, version }) {
      // Only noted here; the signature is worked out after the answer has gone (drain).
      if (seen.length >= options.maxDistinct) {
        dropped += 1;
        return;
      }
      seen.push({ version, document, operationName: operation.name?.value ?? null, client: clients.get(context.request) ?? null, day: new Date().toISOString().slice(0, 10) });
      if (!draining) {
        draining = true;
        setImmediate(drain);
      }
    },
    async stop() {
      clearInterval(timer);
      drain();
      await flushing;
      await flush();
    },
  };
}
