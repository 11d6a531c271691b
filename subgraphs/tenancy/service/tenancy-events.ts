import type { EventType } from '../../../infrastructure/events/event-types';
import type { RequestEvents } from '../../../infrastructure/events/outbox/request-events';

/** Tenancy's domain events for one request, appended to tenancy's event store inside the change's unit of work. */
export class TenancyEvents {
  constructor(private readonly events: RequestEvents) {}

  /** Runs a change and the events it records as one unit of work of the request's scope. */
  transaction<T>(work: () => Promise<T>): Promise<T> {
    return this.events.transaction(work);
  }

  async record(type: EventType, aggregate: { type: string; id: string; tenantId: string | null }, data: Record<string, unknown>): Promise<void> {
    await this.events.record({ type, aggregateType: aggregate.type, aggregateId: aggregate.id, tenantId: aggregate.tenantId, data });
  }
}
