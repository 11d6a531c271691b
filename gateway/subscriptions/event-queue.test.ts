import { GraphQLError } from 'graphql';
import { EventQueue } from './event-queue';

const later = <T>(value: T, ms: number) => new Promise<T>((resolve) => setTimeout(() => resolve(value), ms));

async function drain<T>(queue: EventQueue<T>, count: number): Promise<T[]> {
  const got: T[] = [];
  for (let i = 0; i < count; i++) {
    const next = await queue.next();
    if (next.done) break;
    got.push(next.value);
  }
  return got;
}

describe("a subscriber's event queue", () => {
  it('hands events over in arrival order even when a later one is ready first', async () => {
    const queue = new EventQueue<string>(10);
    queue.push(later('first', 40));
    queue.push(later('second', 5));
    queue.push(Promise.resolve('third'));
    expect(await drain(queue, 3)).toEqual(['first', 'second', 'third']);
  });

  it('skips what is nothing for this subscriber and what failed, without ending', async () => {
    const queue = new EventQueue<string>(10);
    queue.push(Promise.resolve(null));
    queue.push(Promise.reject(new Error('boom')));
    queue.push(Promise.resolve('kept'));
    expect(await drain(queue, 1)).toEqual(['kept']);
  });

  it('refuses a push once it holds its capacity unread, instead of growing', () => {
    const queue = new EventQueue<number>(2);
    expect([queue.push(Promise.resolve(1)), queue.push(Promise.resolve(2)), queue.push(Promise.resolve(3))]).toEqual([true, true, false]);
    expect(queue.size).toBe(2);
  });

  it('ends with the given error after what was already queued', async () => {
    const queue = new EventQueue<string>(10);
    queue.push(Promise.resolve('before'));
    queue.fail([new GraphQLError('missing permission', { extensions: { code: 'FORBIDDEN' } })]);
    expect(await queue.next()).toEqual({ done: false, value: 'before' });
    await expect(queue.next()).rejects.toMatchObject({ extensions: { code: 'FORBIDDEN' } });
    expect(await queue.next()).toEqual({ done: true, value: undefined });
  });

  it('wakes a waiting reader when it is ended', async () => {
    const queue = new EventQueue<string>(10);
    const waiting = queue.next();
    queue.end();
    expect(await waiting).toEqual({ done: true, value: undefined });
  });
});
