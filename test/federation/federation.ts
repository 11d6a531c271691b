import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startForeignSubgraph, type RunningForeignSubgraph } from '../foreign/foreign-subgraph';
import { composeSupergraph } from '../foreign/foreign-supergraph';
import { accountsSubgraph } from './subgraphs/accounts';
import { inventorySubgraph } from './subgraphs/inventory';
import { mediaSubgraph } from './subgraphs/media';
import { productsSubgraph } from './subgraphs/products';
import { reviewsSubgraph } from './subgraphs/reviews';
import { warehouseSubgraph } from './subgraphs/warehouse';

/** The subgraphs that answer; `warehouse` is in the supergraph too, but down. */
export const RUNNING_SUBGRAPHS = [productsSubgraph, inventorySubgraph, reviewsSubgraph, accountsSubgraph, mediaSubgraph] as const;
export type SubgraphName = (typeof RUNNING_SUBGRAPHS)[number]['name'];

/**
 * Where the supergraph routes `warehouse`: port 1 on loopback, where nothing listens (binding it needs root), so a
 * connection is refused at once, on every run, and no other test's server can come to hold it.
 */
export const DOWN_SUBGRAPH_URL = 'http://127.0.0.1:1/graphql';

export interface DifferentialFederation {
  readonly subgraphs: Readonly<Record<string, RunningForeignSubgraph>>;
  readonly supergraphPath: string;
  stop(): Promise<void>;
}

/** Starts the running subgraphs on free ports and composes the supergraph (with the down one) into a temp file. */
export async function startDifferentialFederation(): Promise<DifferentialFederation> {
  const running = await Promise.all(RUNNING_SUBGRAPHS.map((definition) => startForeignSubgraph(definition)));
  const stopAll = () => Promise.all(running.map((s) => s.stop()));
  try {
    const supergraphSdl = composeSupergraph([...running, { name: warehouseSubgraph.name, url: DOWN_SUBGRAPH_URL, typeDefs: warehouseSubgraph.typeDefs }]);
    const dir = mkdtempSync(join(tmpdir(), 'lattice-federation-'));
    const supergraphPath = join(dir, 'supergraph.graphql');
    writeFileSync(supergraphPath, supergraphSdl);
    return {
      subgraphs: Object.fromEntries(running.map((s) => [s.name, s])),
      supergraphPath,
      async stop() {
        await stopAll();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
