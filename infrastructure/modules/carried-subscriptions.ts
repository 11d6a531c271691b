import type { EventBus, EventHandler, EventSubscriptionOptions } from '../events';

interface Carried {
  pattern: string;
  handler: EventHandler;
  options: EventSubscriptionOptions | undefined;
  unsubscribe: () => Promise<void>;
}

/**
 * Remembers who subscribed through the event-bus module, so that when the module is upgraded (in-process to
 * Redis) every live subscription moves to the new bus. A subscriber's unsubscribe keeps working after the move.
 */
export class CarriedSubscriptions {
  private readonly live = new Set<Carried>();

  /** Wraps a bus so its subscriptions are recorded here. */
  track(bus: EventBus): EventBus {
    return {
      publish: (event) => bus.publish(event),
      subscribe: async (pattern, handler, options) => {
        const entry: Carried = { pattern, handler, options, unsubscribe: await bus.subscribe(pattern, handler, options) };
        this.live.add(entry);
        return async () => {
          if (this.live.delete(entry)) await entry.unsubscribe();
        };
      },
      close: () => bus.close(),
      connectivity: bus.connectivity,
    };
  }

  /** Re-subscribes every live subscription on `next`; the old bus is closed by its own module stop. */
  async moveTo(next: EventBus): Promise<void> {
    for (const entry of this.live) entry.unsubscribe = await next.subscribe(entry.pattern, entry.handler, entry.options);
  }
}
