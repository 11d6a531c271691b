import { RedisPubSub } from 'graphql-redis-subscriptions';
import type { Redis } from 'ioredis';
import type { BusConnectivity } from './bus-connectivity';
import { createDomainEvent, parseDomainEvent, serializeDomainEvent, type DomainEvent } from './domain-event';
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
import { RedisSubscriberHeartbeat, type RedisHeartbeatOptions } from './redis-subscriber-heartbeat';
import { reportSafely, reportToConsole, SubscriptionQueue } from './subscription-queue';

export interface RedisEventBusOptions {
  /** Used for PUBLISH only. Owned by the caller: close() leaves it open. */
  publisher: Redis;
  /** Enters subscriber mode. Owned by the caller: close() unsubscribes but leaves it open. */
  subscriber: Redis;
  /**
   * Each event goes to channel `${channelPrefix}${event.tenantId ?? 'platform'}:${event.type}`, so a subscription
   * for one tenant only receives that tenant's traffic. Defaults to 'lattice:events:'.
   */
  channelPrefix?: string;
  /** Defaults to console.error. */
  onHandlerError?: HandlerErrorReporter;
  /** The PING on the subscriber connection behind `connectivity` (REDIS_HEARTBEAT_DEFAULTS). */
  heartbeat?: RedisHeartbeatOptions;
}

/** The type of the stand-in event passed to onHandlerError with a MalformedEventMessageError. */
export const MALFORMED_EVENT_MESSAGE_TYPE = 'lattice.events.malformed_message';

/** A message on an event channel that is not a DomainEvent for that channel; it was not delivered. */
export class MalformedEventMessageError extends Error {
  constructor(
    readonly channel: string,
    readonly payload: string,
    reason: string,
  ) {
    super(`Ignored a message on Redis channel ${channel}: ${reason}`);
    this.name = 'MalformedEventMessageError';
  }
}

type ReceivedMessage = { event: DomainEvent } | { malformed: true };
type PubSubListener = (...args: unknown[]) => void;

/**
 * An EventBus over Redis pub/sub (graphql-redis-subscriptions). Delivery is at most once:
 * events published while a subscriber is disconnected are lost. Give each bus its own
 * subscriber connection or its own channelPrefix.
 */
export class RedisEventBus implements EventBus {
  private readonly pubsub: RedisPubSub;
  private readonly subscriber: Redis;
  private readonly channelPrefix: string;
  private readonly reportError: HandlerErrorReporter;
  private readonly queues = new Set<SubscriptionQueue>();
  private readonly pubsubIds = new Map<SubscriptionQueue, number>();
  private readonly channels = new Set<string>();
  private readonly patterns = new Set<string>();
  private readonly pubsubListeners: ReadonlyArray<readonly [eventName: string, listener: PubSubListener]>;
  private closing: Promise<void> | null = null;
  private readonly heartbeat: RedisSubscriberHeartbeat;

  constructor(options: RedisEventBusOptions) {
    this.subscriber = options.subscriber;
    this.channelPrefix = options.channelPrefix ?? 'lattice:events:';
    this.reportError = options.onHandlerError ?? reportToConsole;
    if (this.channelPrefix === '') {
      // With no prefix, '*' would PSUBSCRIBE to every channel on the server.
      throw new TypeError("RedisEventBus: channelPrefix must not be empty (default 'lattice:events:')");
    }

    const eventNames = ['message', 'pmessage'] as const;
    const listenersBefore = eventNames.map((name) => new Set(this.subscriber.listeners(name)));
    this.pubsub = new RedisPubSub({
      publisher: options.publisher,
      subscriber: options.subscriber,
      serializer: (payload: string) => payload, // publish() passes the envelope already serialized
      deserializer: (payload, { channel }) => this.receive(payload.toString(), channel),
    });
    // RedisPubSub adds these listeners to the caller's connection and never removes them; close() does.
    this.pubsubListeners = eventNames.flatMap((name, index) =>
      this.subscriber
        .listeners(name)
        .filter((listener) => !listenersBefore[index]?.has(listener))
        .map((listener) => [name, listener as PubSubListener] as const),
    );
    // Events published while the subscriber is away are lost; this is how caches built on them find out.
    this.heartbeat = new RedisSubscriberHeartbeat(this.subscriber, options.heartbeat);
  }

  get connectivity(): BusConnectivity {
    return this.heartbeat.connectivity;
  }

  async publish(event: DomainEvent): Promise<void> {
    if (this.closing) {
      throw EventBusClosedError.publishing(event);
    }
    const payload = serializeDomainEvent(event);
    await this.pubsub.publish(this.channelFor(event), payload);
  }

  async subscribe(pattern: string, handler: EventHandler, options?: EventSubscriptionOptions): Promise<() => Promise<void>> {
    if (this.closing) {
      throw EventBusClosedError.subscribing(pattern);
    }
    const eventPattern = parseEventPattern(pattern);
    const tenants = parseTenantFilter(options);
    const { trigger, isPattern } = this.toTrigger(eventPattern, tenants);
    const queue = new SubscriptionQueue(handler, this.reportError);
    this.queues.add(queue);
    (isPattern ? this.patterns : this.channels).add(trigger);
    let pubsubId: number;
    try {
      pubsubId = await this.pubsub.subscribe<ReceivedMessage>(
        trigger,
        (message) => {
          if (!('event' in message)) return;
          const { event } = message;
          // A glob over tenant ids cannot rule out every odd id (one containing ':', or a tenant named 'platform'); this check can.
          if (matchesEventPattern(eventPattern, event.type) && matchesTenantFilter(tenants, event.tenantId)) {
            queue.enqueue(structuredClone(event));
          }
        },
        { pattern: isPattern },
      );
    } catch (error) {
      this.queues.delete(queue);
      throw error;
    }
    if (this.closing) {
      // close() ran while Redis confirmed the subscription; it has already unsubscribed the trigger.
      throw EventBusClosedError.subscribing(pattern);
    }
    this.pubsubIds.set(queue, pubsubId);
    return async () => this.unsubscribe(queue);
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private unsubscribe(queue: SubscriptionQueue): void {
    if (!this.queues.delete(queue)) return;
    queue.stop();
    const pubsubId = this.pubsubIds.get(queue);
    this.pubsubIds.delete(queue);
    // RedisPubSub sends UNSUBSCRIBE without awaiting it; while the connection is down that
    // promise would reject unhandled, so the Redis side is then left to close().
    if (pubsubId !== undefined && this.subscriber.status === 'ready') {
      this.pubsub.unsubscribe(pubsubId);
    }
  }

  private async shutdown(): Promise<void> {
    this.heartbeat.stop();
    const queues = [...this.queues];
    this.queues.clear();
    this.pubsubIds.clear();
    queues.forEach((queue) => queue.stop());
    for (const [eventName, listener] of this.pubsubListeners) {
      this.subscriber.removeListener(eventName, listener);
    }
    try {
      // Not RedisPubSub.close(): that would QUIT the caller's connections.
      if (this.subscriber.status !== 'end') {
        const channels = [...this.channels];
        const patterns = [...this.patterns];
        await Promise.all([
          // Never call these without arguments: that would drop every subscription on the connection.
          channels.length > 0 ? this.subscriber.unsubscribe(...channels) : null,
          patterns.length > 0 ? this.subscriber.punsubscribe(...patterns) : null,
        ]);
      }
    } finally {
      await Promise.all(queues.map((queue) => queue.settled()));
    }
  }

  private channelFor(event: Pick<DomainEvent, 'tenantId' | 'type'>): string {
    return `${this.channelPrefix}${tenantSegment(event.tenantId)}:${event.type}`;
  }

  /** The narrowest SUBSCRIBE channel or PSUBSCRIBE glob that covers the pattern and tenants. */
  private toTrigger(pattern: EventPattern, tenants: TenantFilter): { trigger: string; isPattern: boolean } {
    if (pattern.kind === 'exact' && tenants.kind === 'one') {
      return { trigger: this.channelFor({ tenantId: tenants.tenantId, type: pattern.type }), isPattern: false };
    }
    if (pattern.kind === 'all' && tenants.kind === 'every') {
      return { trigger: `${escapeGlob(this.channelPrefix)}*`, isPattern: true };
    }
    const tenantGlob = tenants.kind === 'every' ? '*' : escapeGlob(tenantSegment(tenants.tenantId));
    const typeGlob = pattern.kind === 'exact' ? escapeGlob(pattern.type) : pattern.kind === 'prefix' ? `${escapeGlob(pattern.prefix)}*` : '*';
    return { trigger: `${escapeGlob(this.channelPrefix)}${tenantGlob}:${typeGlob}`, isPattern: true };
  }

  /** Runs once per message and matching trigger, before RedisPubSub hands it to our listeners. */
  private receive(payload: string, channel: string): ReceivedMessage {
    let event: DomainEvent;
    try {
      event = parseDomainEvent(payload);
      const expected = this.channelFor(event);
      if (channel !== expected) {
        throw new TypeError(`its tenant ${tenantSegment(event.tenantId)} and type ${event.type} belong on channel ${expected}`);
      }
    } catch (error) {
      this.reportMalformed(channel, payload, error instanceof Error ? error.message : String(error));
      return { malformed: true };
    }
    return { event };
  }

  private reportMalformed(channel: string, payload: string, reason: string): void {
    // onHandlerError takes an event; there is none, so it gets a stand-in that names the channel.
    const standIn = createDomainEvent({
      type: MALFORMED_EVENT_MESSAGE_TYPE,
      source: 'redis-event-bus',
      aggregateType: 'RedisChannel',
      aggregateId: channel,
      aggregateVersion: 0,
      tenantId: null,
      actor: { kind: 'SYSTEM', id: null },
      requestId: null,
      data: { channel, reason, payload: payload.slice(0, 1024) },
    });
    reportSafely(this.reportError, new MalformedEventMessageError(channel, payload, reason), standIn);
  }
}

/** Platform events (no tenant) travel under 'platform'. */
function tenantSegment(tenantId: string | null): string {
  return tenantId ?? 'platform';
}

/** Redis PSUBSCRIBE treats these as glob syntax; a prefix or type must match only itself. */
function escapeGlob(text: string): string {
  return text.replace(/[\\*?[\]]/g, '\\$&');
}
