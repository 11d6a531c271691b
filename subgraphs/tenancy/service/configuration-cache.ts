import type { DomainEvent } from '../../../infrastructure/events';
import { RESOLUTION_ORDER, slotId, type ConfigurationEntry, type ConfigurationLevel, type ConfigurationSlot } from './configuration';
import { LruMap } from '../../../infrastructure/cache/lru-map';

/** The events that change stored configuration; every tenancy replica listens to them. */
export const CONFIGURATION_EVENTS = 'tenancy.configuration.*';

/** Reads what is stored at these slots, in the same order; null where nothing is. */
export type LoadConfigurationEntries = (slots: readonly ConfigurationSlot[]) => Promise<(ConfigurationEntry | null)[]>;

interface Cached {
  /** null: nothing is stored there, which is worth remembering too (most lookups fall through several levels). */
  entry: ConfigurationEntry | null;
  loadedAt: number;
}

/** One load in flight for a slot; an invalidation while it is out makes what it read unfit to keep. */
interface Fill {
  stale: boolean;
}

export interface CachedLookup {
  entries: (ConfigurationEntry | null)[];
  /** How many of the slots had to be loaded. */
  misses: number;
}

/**
 * A tenancy replica's memory of what is stored at each configuration slot (level, scope object, key), present or
 * absent. Bounded (least recently used goes first). A write invalidates the slot on the replica that made it before
 * it answers, and on every other replica when its `tenancy.configuration.*` event arrives. Entries also expire
 * after `maxAgeMs`, which bounds how long a replica that missed an event (pub/sub is not durable) serves old values.
 */
export class ConfigurationCache {
  private readonly entries: LruMap<string, Cached>;
  private readonly fills = new Map<string, Set<Fill>>();
  private readonly maxAgeMs: number;
  private readonly now: () => number;

  constructor(options: { maxEntries?: number; maxAgeMs?: number; now?: () => number } = {}) {
    this.entries = new LruMap(options.maxEntries ?? 50_000);
    this.maxAgeMs = options.maxAgeMs ?? 60_000;
    this.now = options.now ?? Date.now;
  }

  get size(): number {
    return this.entries.size;
  }

  /** The entries at `slots`, in order: remembered ones from memory, the others through one call to `load`. */
  async entriesAt(slots: readonly ConfigurationSlot[], load: LoadConfigurationEntries): Promise<CachedLookup> {
    const startedAt = this.now();
    const ids = slots.map(slotId);
    const entries: (ConfigurationEntry | null)[] = [];
    const missing: number[] = [];
    ids.forEach((id, i) => {
      const cached = this.entries.get(id);
      if (cached && startedAt - cached.loadedAt < this.maxAgeMs) entries[i] = cached.entry;
      else missing.push(i);
    });
    if (missing.length === 0) return { entries, misses: 0 };

    const fills = missing.map((i) => this.startFill(ids[i]!));
    try {
      const loaded = await load(missing.map((i) => slots[i]!));
      missing.forEach((i, n) => {
        const entry = loaded[n] ?? null;
        entries[i] = entry;
        // Stamped with the time the load started, so an entry never looks younger than what it read.
        if (!fills[n]!.stale) this.entries.set(ids[i]!, { entry, loadedAt: startedAt });
      });
    } finally {
      missing.forEach((i, n) => this.endFill(ids[i]!, fills[n]!));
    }
    return { entries, misses: missing.length };
  }

  /** Forgets one slot, including what loads already in flight for it will read. */
  invalidate(slot: ConfigurationSlot): void {
    const id = slotId(slot);
    this.entries.delete(id);
    for (const fill of this.fills.get(id) ?? []) fill.stale = true;
  }

  clear(): void {
    this.entries.clear();
    for (const fills of this.fills.values()) for (const fill of fills) fill.stale = true;
  }

  /** Applies one of tenancy's configuration events; anything else is ignored. */
  apply(event: DomainEvent): void {
    if (!event.type.startsWith('tenancy.configuration.')) return;
    const slot = slotOf(event.data);
    // An event this replica cannot read may concern anything: forgetting everything is the safe answer.
    if (slot) this.invalidate(slot);
    else this.clear();
  }

  private startFill(id: string): Fill {
    const fill: Fill = { stale: false };
    const fills = this.fills.get(id) ?? new Set<Fill>();
    fills.add(fill);
    this.fills.set(id, fills);
    return fill;
  }

  private endFill(id: string, fill: Fill): void {
    const fills = this.fills.get(id);
    fills?.delete(fill);
    if (fills?.size === 0) this.fills.delete(id);
  }
}

function slotOf(data: Record<string, unknown>): ConfigurationSlot | null {
  const { level, scopeId, key } = data;
  if (!RESOLUTION_ORDER.includes(level as ConfigurationLevel) || typeof key !== 'string') return null;
  if (!(scopeId === null || typeof scopeId === 'string') || (level === 'GLOBAL') !== (scopeId === null)) return null;
  return { level: level as ConfigurationLevel, scopeId, key };
}
