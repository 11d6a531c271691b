import DataLoader from 'dataloader';

/** A per-request loader: N lookups by id in one tick cost one query; missing ids load as null. */
export function byIdLoader<T extends { id: string }>(fetch: (ids: readonly string[]) => Promise<T[]>): DataLoader<string, T | null> {
  return new DataLoader(async (ids) => {
    const found = new Map((await fetch(ids)).map((item) => [item.id, item]));
    return ids.map((id) => found.get(id) ?? null);
  });
}
