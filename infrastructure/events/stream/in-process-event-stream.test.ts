import { randomUUID } from 'node:crypto';
import { createDomainEvent, type DomainEvent } from '../domain-event';
import { describeEventStreamContract } from './event-stream.contract';
import { InProcessEventStream } from './in-process-event-stream';

describeEventStreamContract('InProcessEventStream', async () => {
  const stream = new InProcessEventStream();
  return {
    stream,
    appendRaw: async (payload) => stream.appendRaw(payload),
    cleanup: () => stream.close(),
  };
});

describe('InProcessEventStream', () => {
  function event(aggregateVersion: number): DomainEvent {
    return createDomainEvent({
      type: 'tenancy.organization.renamed',
      source: 'in-process-event-stream-test',
      aggregateType: 'Tenant',
      aggregateId: randomUUID(),
      aggregateVersion,
      tenantId: null,
      actor: { kind: 'SYSTEM', id: null },
      requestId: null,
      data: {},
    });
  }

  it('keeps only the newest maxLength entries, as Redis MAXLEN would', async () => {
    const stream = new InProcessEventStream({ maxLength: 3 });
    const handled: number[] = [];
    try {
      await stream.append(Array.from({ length: 10 }, (_, i) => event(i + 1)));

      await stream.consume({
        group: 'audit',
        consumer: 'only',
        blockMs: 20,
        handle: async (events) => void handled.push(...events.map((e) => e.aggregateVersion)),
      });

      await waitFor(() => handled.length >= 3);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(handled).toEqual([8, 9, 10]);
    } finally {
      await stream.close();
    }
  });

  it('never reports a data loss, since it never loses what it holds', async () => {
    const stream = new InProcessEventStream();
    let losses = 0;
    stream.onDataLoss(() => (losses += 1));

    await stream.append([event(1)]);
    await stream.close();

    expect(losses).toBe(0);
  });

  it('reports a failing handler on console.error when the consumer gives no onError', async () => {
    const consoleError = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    const stream = new InProcessEventStream();
    try {
      await stream.consume({
        group: 'audit',
        consumer: 'only',
        blockMs: 20,
        handle: async () => {
          throw new Error('handler broke');
        },
      });

      await stream.append([event(1)]);

      await waitFor(() => consoleError.mock.calls.length > 0);
      expect(consoleError.mock.calls[0]).toEqual([
        'EventStream: consumer error',
        expect.objectContaining({ group: 'audit', consumer: 'only' }),
        expect.objectContaining({ message: 'handler broke' }),
      ]);
    } finally {
      await stream.close();
      consoleError.mockRestore();
    }
  });
});

async function waitFor(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('Timed out after 5000ms');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
