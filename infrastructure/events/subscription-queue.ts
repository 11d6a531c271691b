import type { DomainEvent } from './domain-event';
import type { EventHandler, HandlerErrorReporter } from './event-bus';

/**
 * One subscription's deliveries: the handler sees one event at a time, in enqueue order, and
 * never inside the publisher's call stack. Chained on promises rather than timers so that
 * jest fake timers in a caller's test cannot stall the bus.
 */
export class SubscriptionQueue {
  private tail: Promise<void> = Promise.resolve();
  private active = true;

  constructor(
    private readonly handler: EventHandler,
    private readonly reportError: HandlerErrorReporter,
  ) {}

  enqueue(event: DomainEvent): void {
    if (this.active) {
      this.tail = this.tail.then(() => this.deliver(event));
    }
  }

  /** Queued events that have not reached the handler yet are dropped. */
  stop(): void {
    this.active = false;
  }

  /** Resolves once nothing is running or queued. */
  settled(): Promise<void> {
    return this.tail;
  }

  private async deliver(event: DomainEvent): Promise<void> {
    if (!this.active) return;
    try {
      await this.handler(event);
    } catch (error) {
      reportSafely(this.reportError, error, event);
    }
  }
}

export function reportSafely(report: HandlerErrorReporter, error: unknown, event: DomainEvent): void {
  try {
    report(error, event);
  } catch (reportFailure) {
    // A broken reporter must not break delivery; this is the last place the failure can surface.
    console.error(`EventBus: onHandlerError threw while reporting a failure for ${event.type} ${event.id}`, reportFailure, error);
  }
}

/** Used when the caller gives no onHandlerError, so failures are never silent. */
export function reportToConsole(error: unknown, event: DomainEvent): void {
  console.error(`EventBus: error delivering ${event.type} ${event.id}`, error);
}
