import type { GraphQLError } from 'graphql';

/**
 * One subscriber's events, in the order they happened. Each event takes its place when it arrives, as a promise of
 * what to send (null: nothing for this subscriber); the transport reads them in that order, so a slow execution
 * for one event never lets a later one overtake it. At most `capacity` places wait unread: past that the
 * subscriber is too slow and `push` says so rather than growing memory.
 */
export class EventQueue<T> implements AsyncIterableIterator<T> {
  private readonly slots: Promise<T | null>[] = [];
  private waiting: (() => void) | null = null;
  private ended = false;
  private failure: GraphQLError | null = null;

  constructor(private readonly capacity: number) {}

  get size(): number {
    return this.slots.length;
  }

  /** False, and nothing queued, when the subscriber already has `capacity` events unread. */
  push(slot: Promise<T | null>): boolean {
    if (this.ended) return true;
    if (this.slots.length >= this.capacity) return false;
    // A failed slot is nothing to send; the failure is logged where it is made.
    this.slots.push(slot.catch(() => null));
    this.wake();
    return true;
  }

  /** Ends the subscription with errors (the protocol's `error` message), after what is already queued. */
  fail(errors: readonly GraphQLError[]): void {
    this.failure ??= errors[0] ?? null;
    this.wake();
  }

  /** Ends it quietly: the client completed it, or the socket closed. */
  end(): void {
    this.ended = true;
    this.slots.length = 0;
    this.wake();
  }

  async next(): Promise<IteratorResult<T>> {
    for (;;) {
      if (this.ended) return { done: true, value: undefined };
      const slot = this.slots[0];
      if (slot) {
        const value = await slot;
        if (this.ended) return { done: true, value: undefined };
        void this.slots.shift();
        if (value !== null) return { done: false, value };
        continue;
      }
      if (this.failure) {
        this.ended = true;
        throw this.failure;
      }
      await new Promise<void>((resolve) => (this.waiting = resolve));
    }
  }

  async return(): Promise<IteratorResult<T>> {
    this.end();
    return { done: true, value: undefined };
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }

  private wake(): void {
    const waiting = this.waiting;
    this.waiting = null;
    waiting?.();
  }
}
