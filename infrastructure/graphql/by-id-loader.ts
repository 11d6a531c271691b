import DataLoader from 'dataloader';
import { currentSubgraph, inSpan } from '../tracing/spans';

/**
 * A per-request loader: N lookups by id in one tick cost one query; missing ids load as null. Each batch is a span,
 * `<subgraph> load <entity>` with the batch size, a child of whatever first asked for one of its ids.
 */
export function byIdLoader<T extends { id: string }>(fetch: (ids: readonly string[]) => Promise<T[]>, entity?: string): DataLoader<string, T | null> {
  return new DataLoader(async (ids) => {
    const name = [currentSubgraph(), 'load', entity].filter((part) => part).join(' ');
    const attributes = { 'lattice.batch.size': ids.length, ...(entity ? { 'lattice.entity.type': entity } : {}) };
    return inSpan(name, { attributes }, async () => {
      const found = new Map((await fetch(ids)).map((item) => [item.id, item]));
      return ids.map((id) => found.get(id) ?? null);
    });
  });
}
