import { randomUUID } from 'node:crypto';
import { createDomainEvent } from './domain-event';
import { describeEventBusContract } from './event-bus.contract';
import { InProcessEventBus } from './in-process-event-bus';

describeEventBusContract('InProcessEventBus', async ({ onHandlerError }) => {
  const bus = new InProcessEventBus({ onHandlerError });
  return { bus, cleanup: () => bus.close() };
});

describe('InProcessEventBus without onHandlerError', () => {
  it('reports a failing handler on console.error rather than dropping it silently', async () => {
    let logged!: (args: unknown[]) => void;
    const reported = new Promise<unknown[]>((resolve) => (logged = resolve));
    const consoleError = jest.spyOn(console, 'error').mockImplementation((...args: unknown[]) => logged(args));
    const bus = new InProcessEventBus();
    try {
      await bus.subscribe('*', () => {
        throw new Error('handler broke');
      });
      const event = createDomainEvent({
        type: 'tenancy.tenant.created',
        source: 'test',
        aggregateType: 'Tenant',
        aggregateId: randomUUID(),
        aggregateVersion: 1,
        tenantId: null,
        actor: { kind: 'SYSTEM', id: null },
        requestId: null,
        data: {},
      });

      await bus.publish(event);

      expect(await reported).toEqual([
        `EventBus: error delivering tenancy.tenant.created ${event.id}`,
        expect.objectContaining({ message: 'handler broke' }),
      ]);
    } finally {
      await bus.close();
      consoleError.mockRestore();
    }
  });
});
