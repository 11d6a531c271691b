import type { RequestContext } from '../../context/request-context';
import type { ScopedDatabase } from '../../database/scoped-database';
import type { DomainEvent } from '../domain-event';
import type { EventType } from '../event-types';
import { eventMetadataOf } from '../request-metadata';
import type { AppendOptions, EventStore } from './event-store';

/** What a service says about an event; who caused it and through which request come from the request. */
export interface EventFacts {
  type: EventType;
  aggregateType: string;
  aggregateId: string;
  tenantId: string | null;
  data: Record<string, unknown>;
}

/**
 * The events of one request (or one system task). A service runs its change in `transaction` and records the
 * events it causes inside it: they commit or roll back together, so an event exists exactly when its change does.
 */
export class RequestEvents {
  constructor(
    private readonly store: EventStore,
    private readonly db: ScopedDatabase,
    private readonly metadata: Pick<DomainEvent, 'actor' | 'requestId' | 'ipAddress' | 'userAgent'>,
  ) {}

  static of(store: EventStore, db: ScopedDatabase, request: RequestContext): RequestEvents {
    return new RequestEvents(store, db, eventMetadataOf(request));
  }

  /** One unit of work of the request's scope: the stores' statements and record() inside it join it. */
  transaction<T>(work: () => Promise<T>): Promise<T> {
    return this.db.run(() => work());
  }

  /** Appends inside the open unit of work (or a new one of the request's scope). CONFLICT when another writer raced on the aggregate. */
  record(facts: EventFacts | readonly EventFacts[], options?: AppendOptions): Promise<DomainEvent[]> {
    const list = Array.isArray(facts) ? (facts as readonly EventFacts[]) : [facts as EventFacts];
    return this.store.append(this.db, list.map((f) => ({ ...f, ...this.metadata })), options);
  }
}
