import type { ScopedDatabase } from '../../database/scoped-database';
import type { DomainEvent } from '../domain-event';
import type { AppendOptions, EventStore, PendingEvent } from './event-store';

/** How an aggregate's state follows from its events. */
export interface AggregateFold<S> {
  aggregateType: string;
  initial: () => S;
  apply: (state: S, event: DomainEvent) => S;
}

/**
 * An event-sourced view of one aggregate type over the event store: load() starts from the latest snapshot and
 * folds only the events after it; append() takes a new snapshot whenever the stream crosses a multiple of `every`,
 * in the same unit of work as the events.
 */
export class SnapshottingStream<S> {
  constructor(
    private readonly store: EventStore,
    private readonly fold: AggregateFold<S>,
    private readonly every: number,
  ) {
    if (!Number.isInteger(every) || every < 1) throw new TypeError('SnapshottingStream: every must be a positive integer');
  }

  async load(db: ScopedDatabase, aggregateId: string): Promise<{ state: S; version: number; replayed: number }> {
    const snapshot = await this.store.loadSnapshot<S>(db, this.fold.aggregateType, aggregateId);
    const events = await this.store.readStream(db, this.fold.aggregateType, aggregateId, (snapshot?.aggregateVersion ?? 0) + 1);
    const state = events.reduce(this.fold.apply, snapshot ? snapshot.state : this.fold.initial());
    return { state, version: events[events.length - 1]?.aggregateVersion ?? snapshot?.aggregateVersion ?? 0, replayed: events.length };
  }

  async append(db: ScopedDatabase, aggregate: { id: string; tenantId: string | null }, pending: readonly Omit<PendingEvent, 'aggregateType' | 'aggregateId' | 'tenantId'>[], options: AppendOptions = {}): Promise<DomainEvent[]> {
    return db.run(async () => {
      const appended = await this.store.append(
        db,
        pending.map((p) => ({ ...p, aggregateType: this.fold.aggregateType, aggregateId: aggregate.id, tenantId: aggregate.tenantId })),
        options,
      );
      const last = appended[appended.length - 1]?.aggregateVersion ?? 0;
      const first = appended[0]?.aggregateVersion ?? 0;
      // Crossed a multiple of `every` with this append: snapshot the state at the new head.
      if (appended.length > 0 && Math.floor(last / this.every) > Math.floor((first - 1) / this.every)) {
        const { state, version } = await this.load(db, aggregate.id);
        await this.store.saveSnapshot(db, { type: this.fold.aggregateType, id: aggregate.id, tenantId: aggregate.tenantId }, { aggregateVersion: version, state });
      }
      return appended;
    });
  }
}
