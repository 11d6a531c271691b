import type { EventStream } from '../events/stream/event-stream';
import type { Logger } from '../logging/logger';
import type { ProcessMetrics } from './process-metrics';
import { scrapeReading } from './scrape-reading';

export interface StreamMetricsOptions {
  /** The service reading the stream: its consumer lag is `lattice_<service>_consumer_lag` (`lattice_audit_consumer_lag`). */
  service: string;
  /** The `stream` label: the Redis key (`<namespace>:stream:events`), the same name for the in-process stream. */
  streamName: string;
  stream: EventStream;
  /** The consumer groups the service reads (asked at each scrape: a group is known once the service consumes it). */
  groups: () => Iterable<string>;
  logger: Logger;
  timeoutMs?: number;
}

/**
 * For a service that consumes the event stream, read at each scrape from the stream itself (XINFO GROUPS and XLEN
 * on Redis, one round trip for all three):
 * `lattice_stream_pending{stream,group}` (delivered, not acknowledged), `lattice_stream_dead_letters{stream}` and
 * `lattice_<service>_consumer_lag{group}` (appended, not yet delivered to the group). Only the service's own groups
 * are shown, so a process that does not consume (the gateway, identity) reports none of another's.
 * Returns what stops feeding them.
 */
export function watchStreamGroups(metrics: ProcessMetrics, options: StreamMetricsOptions): () => void {
  const { service, streamName: stream, stream: source } = options;
  // A stream that cannot be inspected (a wrapper, a test double) has nothing to show.
  if (typeof source.inspect !== 'function') return () => undefined;
  const reading = scrapeReading({
    what: `event stream ${stream} (for ${service})`,
    read: async () => {
      const inspection = await source.inspect?.();
      if (!inspection) throw new Error('the stream can no longer be inspected');
      return inspection;
    },
    logger: options.logger,
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
  });
  const ownGroups = async () => {
    const read = await reading();
    if (!read) return null;
    const wanted = new Set(options.groups());
    return { groups: read.groups.filter((group) => wanted.has(group.name)), deadLetters: read.deadLetters, consuming: wanted.size > 0 };
  };
  const pending = metrics.scrapedGauge({
    name: 'lattice_stream_pending',
    help: 'Stream entries delivered to a consumer group and not acknowledged yet (XPENDING).',
    labelNames: ['stream', 'group'],
  });
  const dead = metrics.scrapedGauge({ name: 'lattice_stream_dead_letters', help: 'Entries in the dead-letter stream: events no consumer could handle.', labelNames: ['stream'] });
  const lag = metrics.scrapedGauge({
    name: `lattice_${service}_consumer_lag`,
    help: `Stream entries not yet delivered to ${service}'s consumer group (XINFO GROUPS lag).`,
    labelNames: ['group'],
  });
  const key = `${service}:${stream}`;
  const stops = [
    pending.feed(key, async () => (await ownGroups())?.groups.map((group) => ({ labels: { stream, group: group.name }, value: group.pending })) ?? []),
    dead.feed(key, async () => {
      const read = await ownGroups();
      return read?.consuming ? [{ labels: { stream }, value: read.deadLetters }] : [];
    }),
    lag.feed(key, async () => (await ownGroups())?.groups.flatMap((group) => (group.lag === null ? [] : [{ labels: { group: group.name }, value: group.lag }])) ?? []),
  ];
  return () => stops.forEach((stop) => stop());
}

/**
 * The stream as a service sees it, noting the consumer groups the service opens (what `watchStreamGroups` shows for
 * it). Everything else passes straight through.
 */
export function trackConsumerGroups(stream: EventStream): { stream: EventStream; groups: () => Iterable<string> } {
  const groups = new Set<string>();
  const tracked: EventStream = {
    append: (events) => stream.append(events),
    consume: async (options) => {
      const consumer = await stream.consume(options);
      groups.add(options.group);
      return consumer;
    },
    deadLetters: (limit) => stream.deadLetters(limit),
    onDataLoss: (listener) => stream.onDataLoss(listener),
    ping: () => (typeof stream.ping === 'function' ? stream.ping() : Promise.resolve()),
    inspect: () => {
      if (typeof stream.inspect !== 'function') return Promise.reject(new Error('this event stream cannot be inspected'));
      return stream.inspect();
    },
    close: () => stream.close(),
  };
  return { stream: tracked, groups: () => groups };
}
