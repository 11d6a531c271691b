import { parseConfig } from '../../infrastructure/config/config';
import { LatticeError } from '../../infrastructure/errors/error-codes';
import { loggerOver } from '../../infrastructure/logging/logger';
import { useOperationLimits } from '../limits/use-operation-limits';
import { useRequestId } from '../request-id/request-context';
import { committedSupergraph } from '../supergraph/supergraph-source';
import type { ConnectionInput, GatewayFeature, ResponseRecord } from './feature';
import { startGatewayServer, type RunningGatewayServer } from './gateway-server';

interface Answer {
  status: number;
  headers: Headers;
  body: unknown;
}

async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const response = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: response.status, headers: response.headers, body: await response.json() };
}

const firstError = (answer: Answer) => (answer.body as { errors: { message: string; extensions: Record<string, unknown> }[] }).errors[0]!;

describe("the gateway's HTTP path", () => {
  let server: RunningGatewayServer | undefined;
  let records: ResponseRecord[];
  let checked: number;
  let charged: number[];

  const start = async (env: Record<string, string> = {}, extra: GatewayFeature[] = []) => {
    const config = parseConfig({ PORT: '0', LOG_LEVEL: 'silent', LATTICE_BREAKER_FAILURES: '2', LATTICE_BREAKER_OPEN_MS: '60000', ...env }, 'gateway', { supergraphPath: 'unused' });
    const recorder: GatewayFeature = { name: 'recorder', onResponse: (record) => void records.push(record) };
    const counter: GatewayFeature = { name: 'counter', context: (input: ConnectionInput) => void charged.push(input.operationCount ?? 1), checkOperation: () => ((checked += 1), null) };
    server = await startGatewayServer({
      config,
      logger: loggerOver({ write: () => undefined }),
      source: committedSupergraph(),
      // Nothing listens on port 1: every subgraph is unreachable.
      subgraphUrl: () => 'http://127.0.0.1:1/graphql',
      features: async () => [useRequestId(), counter, ...extra, useOperationLimits(config.gateway.limits), recorder],
    });
    return server.url;
  };

  beforeEach(() => {
    records = [];
    checked = 0;
    charged = [];
  });
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  it('refuses a token bomb before it is parsed whole, with the limit and the true count', async () => {
    const url = await start({ LATTICE_MAX_TOKENS: '100' });
    const answer = await post(url, { query: `{ ${'__typename '.repeat(500)}}` });
    expect(answer.status).toBe(400);
    expect(firstError(answer).extensions).toMatchObject({ code: 'TOKEN_LIMIT_EXCEEDED', limit: 100, actual: 502 });
    expect(answer.headers.get('x-request-id')).toBeTruthy();
    expect(checked).toBe(0);
  });

  it('refuses a deep operation before Apollo validates or plans it, and records the refusal', async () => {
    const url = await start();
    const answer = await post(url, { query: `query Deep ${'{ me { tenant '.repeat(10)}{ id }${' } }'.repeat(10)}` });
    expect(answer.status).toBe(400);
    expect(firstError(answer).extensions).toMatchObject({ code: 'DEPTH_LIMIT_EXCEEDED', limit: 12 });
    expect(checked).toBe(0);
    expect(records).toEqual([expect.objectContaining({ transport: 'http', operationName: 'Deep', operationType: 'query', status: 400, errorCodes: ['DEPTH_LIMIT_EXCEEDED'], hasData: false })]);
  });

  it('refuses batches unless they are enabled', async () => {
    const url = await start();
    const answer = await post(url, [{ query: '{ __typename }' }, { query: '{ __typename }' }]);
    expect(answer.status).toBe(400);
    expect(firstError(answer).extensions.code).toBe('BATCHING_DISABLED');
    expect(charged).toEqual([]);
  });

  it('runs an enabled batch as one array of answers, charged per operation, and refuses one over the limit', async () => {
    const url = await start({ LATTICE_BATCHING: 'on', LATTICE_MAX_BATCH_SIZE: '2' });
    const answer = await post(url, [{ query: '{ __typename }' }, { query: `{ ${Array.from({ length: 40 }, (_, i) => `a${i}: __typename`).join(' ')} }` }]);
    expect(answer.status).toBe(200);
    const [one, two] = answer.body as { data?: unknown; errors?: { extensions: Record<string, unknown> }[] }[];
    expect(one).toEqual({ data: { __typename: 'Query' } });
    expect(two!.errors![0]!.extensions).toMatchObject({ code: 'ROOT_FIELD_LIMIT_EXCEEDED', limit: 20, actual: 40 });
    expect(charged).toEqual([2]);
    const tooMany = await post(url, [{ query: '{ __typename }' }, { query: '{ __typename }' }, { query: '{ __typename }' }]);
    expect(tooMany.status).toBe(400);
    expect(firstError(tooMany).extensions).toMatchObject({ code: 'BATCH_LIMIT_EXCEEDED', limit: 2, actual: 3 });
  });

  it('sends Retry-After with a refusal that says when to retry', async () => {
    const limited: GatewayFeature = {
      name: 'limited',
      context: () => {
        throw new LatticeError('RATE_LIMITED', 'rate limit exceeded for this user', { retryAfterSeconds: 3, scope: 'user' });
      },
    };
    const url = await start({}, [limited]);
    const answer = await post(url, { query: '{ __typename }' });
    expect(answer.status).toBe(429);
    expect(answer.headers.get('retry-after')).toBe('3');
    expect(firstError(answer).extensions).toMatchObject({ code: 'RATE_LIMITED', retryAfterSeconds: 3, scope: 'user' });
  });

  it('says nothing internal when a context step fails unexpectedly', async () => {
    const broken: GatewayFeature = {
      name: 'broken',
      context: () => {
        throw new Error('connect ECONNREFUSED 10.0.0.7:5432');
      },
    };
    const url = await start({}, [broken]);
    const answer = await post(url, { query: '{ __typename }' });
    expect(answer.status).toBe(401);
    expect(JSON.stringify(answer.body)).not.toMatch(/ECONNREFUSED|10\.0\.0\.7/);
  });

  it('names an unreachable subgraph, then stops calling it once its circuit is open', async () => {
    const url = await start();
    const reasons: unknown[] = [];
    for (let i = 0; i < 4; i += 1) {
      const answer = await post(url, { query: '{ me { id } }' });
      expect(answer.status).toBe(200);
      expect(firstError(answer).extensions.code).toBe('SERVICE_UNAVAILABLE');
      expect(JSON.stringify(answer.body)).not.toMatch(/127\.0\.0\.1|ECONNREFUSED/);
      reasons.push(firstError(answer).extensions.reason);
    }
    expect(reasons).toEqual(['UNREACHABLE', 'UNREACHABLE', 'CIRCUIT_OPEN', 'CIRCUIT_OPEN']);
    expect(records.map((r) => r.errorCodes)).toEqual([['SERVICE_UNAVAILABLE'], ['SERVICE_UNAVAILABLE'], ['SERVICE_UNAVAILABLE'], ['SERVICE_UNAVAILABLE']]);
  });
});
