import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { healthRoutes, routeChain, type StoreCheck } from './routes';

describe("a service's readiness", () => {
  let server: Server;
  let base: string;
  const stores: Record<string, StoreCheck> = {};
  const up = () => Promise.resolve();
  const down = (message: string) => () => Promise.reject(new Error(message));

  beforeAll(async () => {
    const chain = routeChain(healthRoutes(() => stores, { timeoutMs: 200 }));
    server = createServer((req, res) => void chain(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));
  beforeEach(() => {
    for (const name of Object.keys(stores)) delete stores[name];
  });

  const ready = async (query = '') => {
    const response = await fetch(`${base}/health/ready${query}`);
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  it('is ready when every store it writes to answers, and names each', async () => {
    Object.assign(stores, { database: { ping: up, required: true }, redis: { ping: up, required: false } });
    expect(await ready()).toEqual({ status: 200, body: expect.objectContaining({ status: 'ready', checks: { database: 'ok', redis: 'ok' } }) });
    expect((await ready('?strict=1')).status).toBe(200);
  });

  it('leaves the rotation (503) when a store it cannot answer without fails, saying why', async () => {
    Object.assign(stores, { database: { ping: down('connection refused'), required: true }, redis: { ping: up, required: false } });
    expect(await ready()).toEqual({ status: 503, body: expect.objectContaining({ status: 'not ready', checks: { database: 'failed: connection refused', redis: 'ok' } }) });
  });

  it('stays ready (degraded) when only Redis fails, whose events wait in the outbox; strict readiness fails', async () => {
    Object.assign(stores, { database: { ping: up, required: true }, redis: { ping: down('Redis connection is reconnecting'), required: false } });
    expect(await ready()).toEqual({ status: 200, body: expect.objectContaining({ status: 'degraded', checks: { database: 'ok', redis: 'failed: Redis connection is reconnecting' } }) });
    expect(await ready('?strict=1')).toEqual({ status: 503, body: expect.objectContaining({ status: 'not ready', strict: true }) });
  });

  it('counts a store that does not answer within the timeout as failed', async () => {
    Object.assign(stores, { mongodb: { ping: () => new Promise(() => {}), required: true } });
    expect(await ready()).toEqual({ status: 503, body: expect.objectContaining({ checks: { mongodb: 'failed: no answer within 200 ms' } }) });
  });

  it('answers /health/live whatever the stores say', async () => {
    Object.assign(stores, { database: { ping: down('down'), required: true } });
    expect((await fetch(`${base}/health/live`)).status).toBe(200);
  });
});
