/** What happened to a bus's connection: it went down, or it came back after a gap in which events may have been lost. */
export type ConnectivityChange = { connected: false; since: number } | { connected: true; gap: { from: number; to: number } };

/**
 * Whether a bus is hearing what is published. Pub/sub is at most once: while a subscriber is disconnected, events are
 * lost, so a cache kept current by events must not trust itself then, nor what it knew before the gap ended.
 */
export interface BusConnectivity {
  /** True while the bus's subscriptions are known to receive. */
  connected(): boolean;
  /** When the current outage began (epoch ms); null while connected. */
  disconnectedSince(): number | null;
  /** When the latest outage ended (epoch ms): an event published before then may never have arrived. Null: no outage yet. */
  reconnectedAt(): number | null;
  /** Tells `listener` about every change from now on; returns a function that stops telling it. */
  onChange(listener: (change: ConnectivityChange) => void): () => void;
}

/**
 * Connectivity that whoever watches the connection moves: the Redis bus's heartbeat does, a test does by hand.
 * Repeated marks in the same direction change nothing, so a flurry of socket events is one outage.
 */
export class ConnectivityState implements BusConnectivity {
  private since: number | null;
  private lastReconnect: number | null = null;
  private readonly listeners = new Set<(change: ConnectivityChange) => void>();
  private readonly now: () => number;

  constructor(options: { connected?: boolean; now?: () => number } = {}) {
    this.now = options.now ?? Date.now;
    this.since = options.connected === false ? this.now() : null;
  }

  connected(): boolean {
    return this.since === null;
  }

  disconnectedSince(): number | null {
    return this.since;
  }

  reconnectedAt(): number | null {
    return this.lastReconnect;
  }

  onChange(listener: (change: ConnectivityChange) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  markDisconnected(): void {
    if (this.since !== null) return;
    this.since = this.now();
    this.tell({ connected: false, since: this.since });
  }

  markConnected(): void {
    if (this.since === null) return;
    const gap = { from: this.since, to: this.now() };
    this.since = null;
    this.lastReconnect = gap.to;
    this.tell({ connected: true, gap });
  }

  private tell(change: ConnectivityChange): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(change);
      } catch {
        // A listener's failure must not keep the others from hearing, nor break the connection watcher.
      }
    }
  }
}

/** An in-process bus never loses an event. */
export const ALWAYS_CONNECTED: BusConnectivity = Object.freeze({
  connected: () => true,
  disconnectedSince: () => null,
  reconnectedAt: () => null,
  onChange: () => () => undefined,
});

/**
 * May a cache still trust what it confirmed (with the owning service, or from an event) at `confirmedAt`, without
 * asking again? Not if it predates the end of the latest outage: an event of the gap may have been lost. While the
 * bus is down, only for `windowMs` after it was confirmed. While connected, yes: an event would have told it otherwise.
 */
export function trustsConfirmation(connectivity: BusConnectivity, confirmedAt: number, windowMs: number, now: number): boolean {
  const reconnectedAt = connectivity.reconnectedAt();
  if (reconnectedAt !== null && confirmedAt < reconnectedAt) return false;
  return connectivity.connected() || now - confirmedAt <= windowMs;
}
