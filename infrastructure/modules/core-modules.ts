import { Redis } from 'ioredis';
import type { LatticeConfig } from '../config/config';
import { InProcessEventBus, RedisEventBus, type EventBus } from '../events';
import { defineModule, type InfrastructureModule, type ModuleContext } from '../lifecycle';
import { CarriedSubscriptions } from './carried-subscriptions';
import { ConsoleLogSink, loggerOver, PinoLogSink, type Logger, type LogSink } from '../logging/logger';

export const CONFIG = 'config';
export const LOG_SINK = 'log-sink';
export const EVENT_BUS = 'event-bus';

/** Every module reaches the logger through the sink handle, so it follows the console -> pino upgrade. */
export function moduleLogger(ctx: ModuleContext, bindings: Record<string, unknown> = {}): Logger {
  return loggerOver(ctx.get<LogSink>(LOG_SINK), bindings);
}

export function configModule(config: LatticeConfig): InfrastructureModule<LatticeConfig> {
  return defineModule({ name: CONFIG, bootstrap: { start: () => config } });
}

export function logSinkModule(): InfrastructureModule<LogSink> {
  return defineModule<LogSink>({
    name: LOG_SINK,
    bootstrap: { start: () => new ConsoleLogSink('info') },
    runtime: {
      deps: [CONFIG],
      start: (ctx) => new PinoLogSink(ctx.get<LatticeConfig>(CONFIG).logLevel),
      stop: (sink) => (sink as PinoLogSink).flush(),
    },
  });
}

/**
 * Starts on the in-process bus; with REDIS_URL it is upgraded to Redis once configuration and logging are up.
 * Subscribers hold the handle, so after the upgrade they publish to Redis without knowing.
 */
export function eventBusModule(config: LatticeConfig): InfrastructureModule<EventBus> {
  const redisUrl = config.redisUrl;
  const subscriptions = new CarriedSubscriptions();
  return defineModule<EventBus>({
    name: EVENT_BUS,
    bootstrap: {
      deps: [LOG_SINK],
      start: (ctx) => {
        const logger = moduleLogger(ctx, { component: 'event-bus' });
        return subscriptions.track(
          new InProcessEventBus({ onHandlerError: (error, event) => logger.error('event handler failed', { type: event.type, error }) }),
        );
      },
      stop: (bus) => bus.close(),
    },
    ...(redisUrl
      ? {
          runtime: {
            deps: [CONFIG, LOG_SINK],
            start: async (ctx: ModuleContext) => {
              const logger = moduleLogger(ctx, { component: 'event-bus' });
              const options = { lazyConnect: true, maxRetriesPerRequest: null, enableReadyCheck: true };
              const publisher = new Redis(redisUrl, options);
              const subscriber = new Redis(redisUrl, options);
              for (const connection of [publisher, subscriber]) {
                connection.on('error', (error: Error) => logger.warn('redis connection error', { error }));
              }
              await Promise.all([publisher.connect(), subscriber.connect()]);
              const bus = new RedisEventBus({
                publisher,
                subscriber,
                channelPrefix: `${config.eventNamespace}:events:`,
                onHandlerError: (error, event) => logger.error('event handler failed', { type: event.type, error }),
              });
              await subscriptions.moveTo(bus);
              // Caches built on the bus stop trusting themselves while it is down (docs/operations.md, "Event bus outages").
              const stopLogging = bus.connectivity.onChange((change) =>
                change.connected
                  ? logger.info('event bus subscriber reconnected; events published during the gap may have been lost', { gapMs: change.gap.to - change.gap.from })
                  : logger.warn('event bus subscriber disconnected; caches built on its events re-check with their owners'),
              );
              // The bus does not own its connections; this wrapper does, so stopping the module closes them too.
              return subscriptions.track({
                publish: (event) => bus.publish(event),
                subscribe: (pattern, handler, options) => bus.subscribe(pattern, handler, options),
                async close() {
                  stopLogging();
                  await bus.close();
                  await Promise.allSettled([publisher.quit(), subscriber.quit()]);
                },
                connectivity: bus.connectivity,
              });
            },
            stop: (bus: EventBus) => bus.close(),
          },
        }
      : {}),
  });
}
