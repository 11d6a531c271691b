import type { EventType } from '../../../infrastructure/events/event-types';
import DataLoader from 'dataloader';
import type { RequestContext } from '../../../infrastructure/context/request-context';
import type { QueryCounter } from '../../../infrastructure/database/query-counter';
import { errors } from '../../../infrastructure/errors/error-codes';
import { uuid7 } from '../../../infrastructure/events/uuid7';
import type { Logger } from '../../../infrastructure/logging/logger';
import type { ConfigurationStore } from '../store/configuration-store';
import {
  resolveEffective,
  slotId,
  requireMayWriteKey,
  validateConfigurationKey,
  validateConfigurationValue,
  type ConfigurationEntry,
  type ConfigurationSlot,
  type EffectiveConfiguration,
} from './configuration';
import type { ConfigurationCache } from './configuration-cache';
import type { ConfigurationScopes, ResolvedScope, ScopeInput } from './configuration-scopes';
import type { TenancyEvents } from './tenancy-events';

export interface ConfigurationDependencies {
  store: ConfigurationStore;
  /** Long-lived, shared by every request this replica serves. */
  cache: ConfigurationCache;
  queries: QueryCounter;
  scopes: ConfigurationScopes;
  events: TenancyEvents;
  request: RequestContext;
  logger: Logger;
}

function validateExpectedVersion(value: number | null | undefined): number | null {
  if (value === null || value === undefined) return null;
  if (!Number.isInteger(value) || value < 0) throw errors.badInput('input.expectedVersion', 'must be 0 (not set yet) or the version you read');
  return value;
}

const slotAt = (scope: ResolvedScope, key: string): ConfigurationSlot => ({ level: scope.level, scopeId: scope.scopeId, key });

/** Scoped configuration for one request: permission checks and validation, cached reads, writes with events. */
export class ConfigurationService {
  /** Batches the cache misses of one request (several fields, several levels) into one statement. */
  private readonly entries: DataLoader<ConfigurationSlot, ConfigurationEntry | null, string>;

  constructor(private readonly deps: ConfigurationDependencies) {
    // No per-request memo: the long-lived cache decides what is fresh, and a write in this request must be seen.
    this.entries = new DataLoader(
      async (slots) => {
        const found = new Map((await deps.store.entriesAt(slots)).map((entry) => [slotId(entry), entry]));
        return slots.map((slot) => found.get(slotId(slot)) ?? null);
      },
      { cache: false },
    );
  }

  /**
   * Sets `key` at one scope (insert or replace; with `expectedVersion`, only if the entry is still at it); the
   * replica forgets its cached copy before answering.
   */
  async set(input: { scope: ScopeInput; key: string; value: unknown; expectedVersion?: number | null }): Promise<ConfigurationEntry> {
    const scope = await this.deps.scopes.forWrite(input.scope, 'input.scope');
    const key = validateConfigurationKey('input.key', input.key);
    requireMayWriteKey(this.deps.request.principal, key);
    const expectedVersion = validateExpectedVersion(input.expectedVersion);
    const { json, bytes } = validateConfigurationValue('input.value', input.value);
    const write = { id: uuid7(), slot: slotAt(scope, key), tenantId: scope.tenantId, json, updatedBy: this.deps.request.principal.subject };
    const entry = await this.deps.events.transaction(async () => {
      const written = expectedVersion === null ? await this.deps.store.upsert(write) : await this.deps.store.writeIfAt(expectedVersion, write);
      if (written) await this.record('tenancy.configuration.set', written, bytes);
      return written;
    });
    if (!entry) throw await this.staleVersion(write.slot, expectedVersion!);
    this.deps.cache.invalidate(entry);
    return entry;
  }

  /** Removes `key` at one scope; false when nothing was set there (CONFLICT instead when a version was expected). */
  async delete(input: { scope: ScopeInput; key: string; expectedVersion?: number | null }): Promise<boolean> {
    const scope = await this.deps.scopes.forWrite(input.scope, 'input.scope');
    const key = validateConfigurationKey('input.key', input.key);
    requireMayWriteKey(this.deps.request.principal, key);
    const expectedVersion = validateExpectedVersion(input.expectedVersion);
    const slot = slotAt(scope, key);
    const deleted = await this.deps.events.transaction(async () => {
      const removed = await this.deps.store.delete(slot, expectedVersion);
      if (removed) await this.record('tenancy.configuration.deleted', removed, null);
      return removed;
    });
    if (!deleted && expectedVersion !== null) throw await this.staleVersion(slot, expectedVersion);
    if (!deleted) return false;
    this.deps.cache.invalidate(deleted);
    return true;
  }

  /** What is stored at exactly one scope, without falling back. */
  async entry(scopeInput: ScopeInput, key: string): Promise<ConfigurationEntry | null> {
    const scope = await this.deps.scopes.forRead(scopeInput, 'scope');
    const [entry] = (await this.lookup([slotAt(scope, validateConfigurationKey('key', key))])).entries;
    return entry ?? null;
  }

  /**
   * The value that applies to a department, organization or tenant: the narrowest level that sets `key`.
   * Logs, at debug, how many database round trips the resolution took (the bench reads it).
   */
  async effective(args: { key: string; departmentId?: string | null; organizationId?: string | null; tenantId?: string | null }): Promise<EffectiveConfiguration | null> {
    const { result, statements } = await this.deps.queries.measure(async () => {
      const key = validateConfigurationKey('key', args.key);
      const slots = (await this.deps.scopes.chain(args)).map((scope) => slotAt(scope, key));
      const { entries, misses } = await this.lookup(slots);
      return { effective: resolveEffective(key, Object.fromEntries(slots.map((slot, i) => [slot.level, entries[i]]))), misses };
    });
    this.deps.logger.debug('effective configuration resolved', {
      key: args.key,
      level: result.effective?.level ?? null,
      cacheMisses: result.misses,
      dbRoundTrips: statements,
      dbRoundTripsTotal: this.deps.queries.total,
    });
    return result.effective;
  }

  private async staleVersion(slot: ConfigurationSlot, expectedVersion: number) {
    const [current] = await this.deps.store.entriesAt([slot]);
    const now = current ? `is at version ${current.version}` : 'is not set';
    return errors.conflict(`configuration ${JSON.stringify(slot.key)} at this scope ${now}, not ${expectedVersion}; reload it and retry`);
  }

  private lookup(slots: readonly ConfigurationSlot[]) {
    return this.deps.cache.entriesAt(slots, (missing) => Promise.all(missing.map((slot) => this.entries.load(slot))));
  }

  // The value stays out of the event: audit keeps events forever and shows them to tenant admins, and a value may
  // be a secret. Other replicas only need to know which slot changed; they reload it.
  private record(type: EventType, entry: ConfigurationEntry, bytes: number | null): Promise<void> {
    return this.deps.events.record(
      type,
      { type: 'Configuration', id: slotId(entry), tenantId: entry.tenantId },
      { level: entry.level, scopeId: entry.scopeId, key: entry.key, version: entry.version, ...(bytes === null ? {} : { bytes }) },
    );
  }
}
