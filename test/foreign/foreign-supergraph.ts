import { composeServices } from '@apollo/composition';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DocumentNode } from 'graphql';
import { startForeignSubgraph, type ForeignSubgraphDefinition, type RunningForeignSubgraph } from './foreign-subgraph';
import { productsSubgraph } from './products-subgraph';
import { reviewsSubgraph } from './reviews-subgraph';

/** What composition needs of a subgraph: its name, the URL the supergraph routes it to, and its SDL. */
export interface ComposableSubgraph {
  readonly name: string;
  readonly url: string;
  readonly typeDefs: DocumentNode;
}

/** `@apollo/composition`'s composeServices, as `rover supergraph compose` does it; throws every composition error. */
export function composeSupergraph(subgraphs: readonly ComposableSubgraph[]): string {
  const result = composeServices(subgraphs.map((s) => ({ name: s.name, url: s.url, typeDefs: s.typeDefs })));
  if (result.errors) throw new Error(`the foreign subgraphs do not compose:\n${result.errors.map((e) => `- ${e.message}`).join('\n')}`);
  return result.supergraphSdl;
}

export interface ForeignFederation {
  readonly subgraphs: Readonly<Record<string, RunningForeignSubgraph>>;
  readonly supergraphSdl: string;
  /** The composed supergraph, written to a temp directory of its own. */
  readonly supergraphPath: string;
  /** The temp directory holding the supergraph file; removed by stop(). Tests may write other files here. */
  readonly dir: string;
  stop(): Promise<void>;
}

/** The subgraphs started when none are given: `products` and `reviews`, sharing the `Product` entity. */
export const FOREIGN_SUBGRAPHS: readonly ForeignSubgraphDefinition[] = [productsSubgraph, reviewsSubgraph];

/**
 * Starts foreign subgraphs in this process on free ports and composes the supergraph that routes to them: what any
 * gateway (Lattice's, or another one a benchmark compares) is put in front of.
 */
export async function startForeignFederation(definitions: readonly ForeignSubgraphDefinition[] = FOREIGN_SUBGRAPHS): Promise<ForeignFederation> {
  const running: RunningForeignSubgraph[] = [];
  const stopAll = () => Promise.all(running.map((s) => s.stop()));
  try {
    for (const definition of definitions) running.push(await startForeignSubgraph(definition));
    const supergraphSdl = composeSupergraph(running);
    const dir = mkdtempSync(join(tmpdir(), 'lattice-foreign-'));
    const supergraphPath = join(dir, 'supergraph.graphql');
    writeFileSync(supergraphPath, supergraphSdl);
    return {
      subgraphs: Object.fromEntries(running.map((s) => [s.name, s])),
      supergraphSdl,
      supergraphPath,
      dir,
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
