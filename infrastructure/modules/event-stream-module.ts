import { hostname } from 'node:os';
import { Redis, type RedisOptions } from 'ioredis';
import type { LatticeConfig } from '../config/config';
import { InProcessEventStream } from '../events/stream/in-process-event-stream';
import { RedisEventStream } from '../events/stream/redis-event-stream';
import type { EventStream } from '../events/stream/event-stream';
import { defineModule, type InfrastructureModule } from '../lifecycle';
import { CONFIG, LOG_SINK, moduleLogger } from './core-modules';

export const EVENT_STREAM = 'event-stream';

/** A name no other process shares: relay lease holders and stream consumers. */
export function processIdentity(role: string): string {
  return `${role}@${hostname()}:${process.pid}:${Math.random().toString(36).slice(2, 8)}`;
}

/** The Redis key of the event stream (its dead letters are at `<key>:dead`); also the in-process stream's name in metrics. */
export function eventStreamKey(config: Pick<LatticeConfig, 'eventNamespace'>): string {
  return `${config.eventNamespace}:stream:events`;
}

/**
 * The durable stream of committed events: a Redis Stream with consumer groups when REDIS_URL is set, otherwise an
 * in-process stream (the embedded mode, where every producer and consumer lives in this one process).
 */
export function eventStreamModule(config: LatticeConfig): InfrastructureModule<EventStream> {
  return defineModule<EventStream>({
    name: EVENT_STREAM,
    runtime: {
      deps: [CONFIG, LOG_SINK],
      start: async (ctx) => {
        const logger = moduleLogger(ctx, { component: 'event-stream' });
        const redisUrl = config.redisUrl;
        if (!redisUrl) return new InProcessEventStream();
        const connect = (options: RedisOptions = {}): Redis => {
          const connection = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: null, enableReadyCheck: true, ...options });
          connection.on('error', (error: Error) => logger.warn('redis connection error', { error }));
          return connection;
        };
        // An append cut off by a disconnect fails and the relay sends it again, after any replay of what Redis lost.
        const connection = connect({ maxRetriesPerRequest: 0 });
        await connection.connect();
        return new RedisEventStream({
          connection,
          createBlockingConnection: () => connect(),
          key: eventStreamKey(config),
          logger,
        });
      },
      stop: (stream) => stream.close(),
    },
  });
}
