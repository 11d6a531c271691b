import type { BusConnectivity } from './bus-connectivity';
import type { DomainEvent } from './domain-event';

export type EventHandler = (event: DomainEvent) => Promise<void> | void;

/**
 * Told about a handler that threw or rejected. The Redis bus also reports a received
 * message that is not a DomainEvent here, with a MalformedEventMessageError.
 */
export type HandlerErrorReporter = (error: unknown, event: DomainEvent) => void;

export interface EventSubscriptionOptions {
  /** Hear only this tenant's events; null hears only platform events (tenantId null). Omitted: every tenant. */
  tenantId?: string | null;
}

/**
 * Publish/subscribe for domain events. Each subscription gets its own copy of every matching
 * event, one at a time and in the order its bus received them; a failing handler is reported
 * and does not affect other subscriptions or later events. Delivery is at most once.
 */
export interface EventBus {
  /** Resolves once the bus has accepted the event; delivery to handlers is asynchronous. */
  publish(event: DomainEvent): Promise<void>;
  /**
   * pattern: an exact type ('tenancy.tenant.created'), a prefix wildcard ('tenancy.*'), or '*' for everything.
   * Hears every tenant unless options.tenantId narrows it. Resolves once the subscription is live. Returns an
   * unsubscribe function.
   */
  subscribe(pattern: string, handler: EventHandler, options?: EventSubscriptionOptions): Promise<() => Promise<void>>;
  /**
   * Rejects later publishes and subscribes, ends every subscription (events not yet handed to a
   * handler are dropped) and resolves once handler calls already running have finished, so a
   * handler must not await close() of its own bus. Calling it again returns the same promise.
   */
  close(): Promise<void>;
  /**
   * Whether this bus is hearing what is published: a cache kept current by its events stops trusting itself while it
   * is not (docs/operations.md, "Event bus outages"). An in-process bus is always connected.
   */
  readonly connectivity: BusConnectivity;
}

export class EventBusClosedError extends Error {
  static publishing(event: unknown): EventBusClosedError {
    const { type, id } = (typeof event === 'object' && event !== null ? event : {}) as Partial<DomainEvent>;
    return new EventBusClosedError(`publish event ${String(type)} ${String(id)}`);
  }

  static subscribing(pattern: string): EventBusClosedError {
    return new EventBusClosedError(`subscribe to ${JSON.stringify(pattern)}`);
  }

  constructor(attempt: string) {
    super(`EventBus is closed: cannot ${attempt} after close(); create a new bus`);
    this.name = 'EventBusClosedError';
  }
}
