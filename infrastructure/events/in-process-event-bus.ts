import { ALWAYS_CONNECTED, type BusConnectivity } from './bus-connectivity';
import { parseDomainEvent, serializeDomainEvent, type DomainEvent } from './domain-event';
import {
  EventBusClosedError,
  type EventBus,
  type EventHandler,
  type EventSubscriptionOptions,
  type HandlerErrorReporter,
} from './event-bus';
import {
  matchesEventPattern,
  matchesTenantFilter,
  parseEventPattern,
  parseTenantFilter,
  type EventPattern,
  type TenantFilter,
} from './event-pattern';
import { reportToConsole, SubscriptionQueue } from './subscription-queue';

export interface InProcessEventBusOptions {
  /** Defaults to console.error. */
  onHandlerError?: HandlerErrorReporter;
}

interface Subscription {
  pattern: EventPattern;
  tenants: TenantFilter;
  queue: SubscriptionQueue;
}

/** An EventBus inside one process, for tests and single-process deployments. Events go through JSON as on Redis. */
export class InProcessEventBus implements EventBus {
  private readonly reportError: HandlerErrorReporter;
  private readonly subscriptions = new Set<Subscription>();
  private closing: Promise<void> | null = null;
  /** Nothing between publisher and subscriber can drop an event. */
  readonly connectivity: BusConnectivity = ALWAYS_CONNECTED;

  constructor(options: InProcessEventBusOptions = {}) {
    this.reportError = options.onHandlerError ?? reportToConsole;
  }

  async publish(event: DomainEvent): Promise<void> {
    if (this.closing) {
      throw EventBusClosedError.publishing(event);
    }
    // A JSON round trip, so handlers see what they would see over Redis and
    // later changes to the publisher's object cannot reach them.
    const received = parseDomainEvent(serializeDomainEvent(event));
    for (const { pattern, tenants, queue } of this.subscriptions) {
      if (matchesEventPattern(pattern, received.type) && matchesTenantFilter(tenants, received.tenantId)) {
        queue.enqueue(structuredClone(received));
      }
    }
  }

  async subscribe(pattern: string, handler: EventHandler, options?: EventSubscriptionOptions): Promise<() => Promise<void>> {
    if (this.closing) {
      throw EventBusClosedError.subscribing(pattern);
    }
    const subscription: Subscription = {
      pattern: parseEventPattern(pattern),
      tenants: parseTenantFilter(options),
      queue: new SubscriptionQueue(handler, this.reportError),
    };
    this.subscriptions.add(subscription);
    return async () => {
      this.subscriptions.delete(subscription);
      subscription.queue.stop();
    };
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    const queues = [...this.subscriptions].map(({ queue }) => queue);
    this.subscriptions.clear();
    queues.forEach((queue) => queue.stop());
    await Promise.all(queues.map((queue) => queue.settled()));
  }
}

