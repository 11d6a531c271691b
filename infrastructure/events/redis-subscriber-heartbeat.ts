import type { Redis } from 'ioredis';
import { ConnectivityState, type BusConnectivity } from './bus-connectivity';

export interface RedisHeartbeatOptions {
  /** How often the subscriber connection is sent PING. */
  intervalMs?: number;
  /** How long its answer may take before the connection counts as down. */
  timeoutMs?: number;
  /** A PING unanswered this long means the socket is dead without knowing it: drop it, so ioredis reconnects and re-subscribes. */
  reconnectAfterMs?: number;
}

/** A silently stalled connection counts as down within intervalMs + timeoutMs (1 s); docs/operations.md, "Event bus outages". */
export const REDIS_HEARTBEAT_DEFAULTS: Required<RedisHeartbeatOptions> = { intervalMs: 500, timeoutMs: 500, reconnectAfterMs: 5_000 };

const DOWN_EVENTS = ['close', 'end', 'reconnecting'] as const;

/**
 * Whether a Redis subscriber connection is receiving, from two signals: ioredis's own ('close', 'end',
 * 'reconnecting' are down at once), and a PING on the connection (allowed in subscriber mode) that must be answered
 * in time, for a socket that stalls with no error. It counts as up again only once a PING sent after 'ready' is
 * answered: ioredis re-subscribes right after 'ready', so that answer also proves the subscriptions are back.
 */
export class RedisSubscriberHeartbeat {
  private readonly state: ConnectivityState;
  private readonly settings: Required<RedisHeartbeatOptions>;
  private readonly timer: NodeJS.Timeout;
  private outstanding: { sentAt: number } | null = null;
  private stopped = false;
  private readonly down = (): void => this.state.markDisconnected();
  private readonly ready = (): void => void setImmediate(() => this.probe());

  constructor(
    private readonly connection: Redis,
    options: RedisHeartbeatOptions = {},
  ) {
    this.settings = { ...REDIS_HEARTBEAT_DEFAULTS, ...options };
    this.state = new ConnectivityState({ connected: connection.status === 'ready' });
    for (const event of DOWN_EVENTS) connection.on(event, this.down);
    connection.on('ready', this.ready);
    this.timer = setInterval(() => this.probe(), this.settings.intervalMs);
    this.timer.unref();
  }

  get connectivity(): BusConnectivity {
    return this.state;
  }

  /** Stops probing and leaves the connection's listeners as they were; the connection itself is the caller's. */
  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
    for (const event of DOWN_EVENTS) this.connection.removeListener(event, this.down);
    this.connection.removeListener('ready', this.ready);
  }

  private probe(): void {
    if (this.stopped) return;
    if (this.outstanding) {
      // One PING at a time, so a stalled socket does not pile them up; a long silence is a dead socket.
      if (Date.now() - this.outstanding.sentAt >= this.settings.reconnectAfterMs && this.connection.status === 'ready') {
        this.outstanding = null;
        this.connection.disconnect(true);
      }
      return;
    }
    // While ioredis knows it is not connected, its events have already said so.
    if (this.connection.status !== 'ready') return;
    const ping = { sentAt: Date.now() };
    this.outstanding = ping;
    const timeout = setTimeout(() => {
      // Timers run before socket reads in a turn of the event loop: look once reads have had their turn, so a busy
      // process is not taken for a dead connection.
      setImmediate(() => {
        if (this.outstanding === ping && !this.stopped) this.state.markDisconnected();
      });
    }, this.settings.timeoutMs);
    timeout.unref();
    const settle = (answered: boolean) => {
      clearTimeout(timeout);
      if (this.outstanding === ping) this.outstanding = null;
      if (this.stopped) return;
      if (answered && this.connection.status === 'ready') this.state.markConnected();
      else this.state.markDisconnected();
    };
    this.connection.ping().then(
      () => settle(true),
      () => settle(false),
    );
  }
}
