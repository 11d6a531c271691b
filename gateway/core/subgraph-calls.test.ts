import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RemoteGraphQLDataSource } from '@apollo/gateway';
import { CircuitBreaker, outcomeOf, SubgraphCalls, SubgraphHttpError, unavailableError } from './subgraph-calls';

describe('a subgraph circuit breaker', () => {
  let now = 0;
  const breaker = () => new CircuitBreaker({ failureThreshold: 3, openMs: 1_000 }, () => now);

  beforeEach(() => {
    now = 0;
  });

  it('stays closed through fewer failures in a row than its threshold, and a success starts the count again', () => {
    const b = breaker();
    b.failed();
    b.failed();
    b.succeeded();
    b.failed();
    b.failed();
    expect(b.state).toBe('closed');
    expect(b.tryAcquire()).toBe(true);
  });

  it('opens after the threshold and fails every call fast until openMs has passed', () => {
    const b = breaker();
    for (let i = 0; i < 3; i += 1) b.failed();
    expect(b.state).toBe('open');
    expect(b.tryAcquire()).toBe(false);
    now = 400;
    expect(b.tryAcquire()).toBe(false);
    expect(b.retryAfterSeconds()).toBe(1);
  });

  it('tells when it opens, opens again after a failed probe, and closes (what the gateway logs), and nothing else', () => {
    const changes: string[] = [];
    const b = new CircuitBreaker({ failureThreshold: 3, openMs: 1_000 }, () => now, (change) => changes.push(`${change.state}:${change.failures}`));
    b.failed();
    b.failed();
    b.succeeded();
    expect(changes).toEqual([]);
    for (let i = 0; i < 3; i += 1) b.failed();
    now = 1_000;
    b.tryAcquire();
    b.failed();
    now = 2_000;
    b.tryAcquire();
    b.succeeded();
    b.succeeded();
    expect(changes).toEqual(['open:3', 'open:4', 'closed:0']);
  });

  it('lets exactly one probe through when half-open; the probe succeeding closes it', () => {
    const b = breaker();
    for (let i = 0; i < 3; i += 1) b.failed();
    now = 1_000;
    expect(b.state).toBe('half-open');
    expect(b.tryAcquire()).toBe(true);
    expect(b.tryAcquire()).toBe(false);
    b.succeeded();
    expect(b.state).toBe('closed');
    expect(b.tryAcquire()).toBe(true);
  });

  it('opens again for openMs when the probe fails', () => {
    const b = breaker();
    for (let i = 0; i < 3; i += 1) b.failed();
    now = 1_500;
    expect(b.tryAcquire()).toBe(true);
    b.failed();
    expect(b.state).toBe('open');
    now = 2_400;
    expect(b.tryAcquire()).toBe(false);
    now = 2_500;
    expect(b.tryAcquire()).toBe(true);
  });
});

describe('subgraph calls', () => {
  const calls = new SubgraphCalls({ timeoutMs: 10_000, timeoutsMs: { tenancy: 2_000, shop_cart: 700 }, breaker: { failureThreshold: 5, openMs: 5_000 } });

  it('uses the timeout named for a subgraph, else the default', () => {
    expect(calls.timeoutMs('tenancy')).toBe(2_000);
    expect(calls.timeoutMs('shop-cart')).toBe(700);
    expect(calls.timeoutMs('TENANCY')).toBe(2_000);
    expect(calls.timeoutMs('identity')).toBe(10_000);
  });

  it('keeps one breaker per subgraph, the same across calls', () => {
    expect(calls.breaker('audit')).toBe(calls.breaker('audit'));
    expect(calls.breaker('audit')).not.toBe(calls.breaker('identity'));
  });

  // @apollo/gateway's own fetcher, as every subgraph fetch uses it.
  const apolloFetcher = new RemoteGraphQLDataSource({ url: 'http://127.0.0.1/' }).fetcher;

  it('abandons a fetch to a subgraph that accepted the connection but never answers', async () => {
    const hung = createServer(() => undefined);
    await new Promise<void>((resolve) => hung.listen(0, '127.0.0.1', resolve));
    try {
      const short = new SubgraphCalls({ timeoutMs: 100, timeoutsMs: {}, breaker: { failureThreshold: 5, openMs: 5_000 } });
      const fetcher = short.withTimeout('tenancy', apolloFetcher);
      const { port } = hung.address() as AddressInfo;
      const error: unknown = await fetcher(`http://127.0.0.1:${port}/graphql`, { method: 'POST', body: '{}' }).catch((e: unknown) => e);
      expect(outcomeOf(error)).toBe('timeout');
    } finally {
      hung.closeAllConnections();
      hung.close();
    }
  });

  it('tells an unreachable subgraph from a failing one', async () => {
    const refused: unknown = await apolloFetcher('http://127.0.0.1:1/graphql', { method: 'POST', body: '{}' }).catch((e: unknown) => e);
    expect(outcomeOf(refused)).toBe('unreachable');
    expect(outcomeOf(new SubgraphHttpError(502))).toBe('error');
  });

  it('names the subgraph and the reason in what the client sees, never an address', () => {
    const timeout = unavailableError('tenancy', 'timeout', { timeoutMs: 2_000, retryAfterSeconds: 1 });
    expect(timeout.message).toBe('the tenancy service did not answer within 2000 ms; try again shortly');
    expect(timeout.extensions).toEqual({ code: 'SERVICE_UNAVAILABLE', reason: 'TIMEOUT', service: 'tenancy' });
    const open = unavailableError('tenancy', 'circuit_open', { timeoutMs: 2_000, retryAfterSeconds: 4 });
    expect(open.extensions).toMatchObject({ code: 'SERVICE_UNAVAILABLE', reason: 'CIRCUIT_OPEN', retryAfterSeconds: 4 });
    expect(unavailableError('tenancy', 'unreachable', { timeoutMs: 0, retryAfterSeconds: 1 }).message).toBe('the tenancy service is not reachable; try again shortly');
  });
});
