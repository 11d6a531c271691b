/**
 * A process-local doorbell between the event store and the relay of one database: append() rings it after its
 * transaction commits, so a relay in the same process moves the event at once. Relays in other processes hear the
 * database's NOTIFY instead (see event-store-schema.ts).
 */
export class OutboxSignal {
  private readonly listeners = new Set<() => void>();

  ring(): void {
    for (const listener of this.listeners) listener();
  }

  listen(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
