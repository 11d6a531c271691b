import { GATEWAY_DEFAULTS, type IdempotencySettings } from '../../infrastructure/config/config';
import { ANONYMOUS, type Principal } from '../../infrastructure/context/request-context';
import { loggerOver, type LogFields, type LogLevel } from '../../infrastructure/logging/logger';
import { eventually } from '../../test/foreign/eventually';
import type { GatewayFeature, HttpAnswer, HttpOperation } from '../core/feature';
import type { IdempotencyStore } from './idempotency-store';
import { MemoryIdempotencyStore } from './memory-idempotency-store';
import { requestFingerprint } from './request-fingerprint';
import { useIdempotency } from './use-idempotency';

const MUTATION = 'mutation CreateThing($name: String!) { createThing(name: $name) { id } }';
const KEY = '9f1c6c1e-2a8e-4a36-9d55-3c1b7c0e0b11';
const ada: Principal = { kind: 'USER', subject: 'ada', tenantId: 'tenant-1', roles: [], permissions: [] };
const grace: Principal = { ...ada, subject: 'grace' };
const adasKey: Principal = { ...ada, kind: 'API_KEY', subject: 'ada' };
const elsewhere: Principal = { ...ada, tenantId: 'tenant-2' };

let requests = 0;
function operation(overrides: { key?: string | string[] | null; principal?: Principal; query?: string; variables?: Record<string, unknown>; operationType?: HttpOperation['operationType'] } = {}): HttpOperation {
  requests += 1;
  const key = overrides.key === undefined ? KEY : overrides.key;
  return {
    context: { request: { principal: overrides.principal ?? ada, requestId: `req-${requests}`, ipAddress: null, userAgent: null } },
    headers: key === null ? {} : { 'idempotency-key': key },
    operationType: overrides.operationType ?? 'mutation',
    query: overrides.query ?? MUTATION,
    operationName: 'CreateThing',
    variables: overrides.variables ?? { name: 'widget' },
  };
}

const graphql = (result: unknown, status = 200): HttpAnswer => ({
  status,
  headers: new Map([['content-type', 'application/graphql-response+json; charset=utf-8'], ['x-request-id', 'original']]),
  body: JSON.stringify(result),
});
const created = (run: number) => graphql({ data: { createThing: { id: `thing-${run}` } } });
const failed = (...codes: string[]) => graphql({ data: null, errors: codes.map((code) => ({ message: 'no', extensions: { code } })) });

/** A `next` that counts its runs and answers with `answer(run)` (the first run is 1). */
function mutationRunner(answer: (run: number) => HttpAnswer | Promise<HttpAnswer> = created) {
  let runs = 0;
  return {
    next: async () => answer(++runs),
    runs: () => runs,
  };
}

function parsed(answer: HttpAnswer): { errors?: Array<{ message: string; extensions: Record<string, unknown> }>; data?: unknown } {
  return JSON.parse(answer.body) as { errors?: Array<{ message: string; extensions: Record<string, unknown> }> };
}

/** A gate a test opens when it has seen what it waits for. */
function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((resolve) => (open = resolve));
  return { wait, open };
}

describe('useIdempotency', () => {
  const features: GatewayFeature[] = [];
  let logs: Array<{ level: LogLevel; message: string; fields: LogFields }>;
  let claims: number;

  /** The feature over a memory store whose claims are counted, so a test can wait until duplicates are waiting. */
  function idempotency(settings: Partial<IdempotencySettings> = {}, store: IdempotencyStore = new MemoryIdempotencyStore()) {
    const counted: IdempotencyStore = {
      claim: (...args) => {
        claims += 1;
        return store.claim(...args);
      },
      renew: (...args) => store.renew(...args),
      complete: (...args) => store.complete(...args),
      release: (...args) => store.release(...args),
      stop: () => store.stop(),
    };
    const logger = loggerOver({ write: (level, message, fields) => logs.push({ level, message, fields }) });
    const feature = useIdempotency({ store: counted, settings: { ...GATEWAY_DEFAULTS.idempotency, ...settings }, logger });
    features.push(feature);
    return { around: (op: HttpOperation, next: () => Promise<HttpAnswer>) => feature.aroundHttpOperation!(op, next), store };
  }

  beforeEach(() => {
    logs = [];
    claims = 0;
  });

  afterEach(async () => {
    await Promise.all(features.splice(0).map((f) => f.stop?.() ?? Promise.resolve()));
    // Nothing a caller sent beyond the operation's name reaches the log: no key, no variables, no body.
    const logged = JSON.stringify(logs);
    for (const secret of [KEY, 'widget', 'thing-', 'x'.repeat(50)]) expect(logged).not.toContain(secret);
  });

  it('runs a mutation once and replays its answer to a retry: same status, body and content type, marked Idempotent-Replayed', async () => {
    const { around } = idempotency();
    const runner = mutationRunner();

    const first = await around(operation(), runner.next);
    const retry = await around(operation(), runner.next);

    expect(runner.runs()).toBe(1);
    expect(first.headers.has('idempotent-replayed')).toBe(false);
    expect(retry).toEqual({
      status: 200,
      body: first.body,
      headers: new Map([['content-type', 'application/graphql-response+json; charset=utf-8'], ['idempotent-replayed', 'true']]),
    });
  });

  it('treats the same variables sent in another key order as the same request', async () => {
    const { around } = idempotency();
    const runner = mutationRunner();

    await around(operation({ variables: { name: 'widget', tags: { a: 1, b: 2 } } }), runner.next);
    const retry = await around(operation({ variables: { tags: { b: 2, a: 1 }, name: 'widget' } }), runner.next);

    expect(runner.runs()).toBe(1);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
  });

  it('refuses the same key with a different request with CONFLICT (409), running nothing', async () => {
    const { around } = idempotency();
    const runner = mutationRunner();
    await around(operation(), runner.next);

    const otherVariables = await around(operation({ variables: { name: 'gadget' } }), runner.next);
    const otherText = await around(operation({ query: `${MUTATION} ` }), runner.next);

    expect(runner.runs()).toBe(1);
    for (const answer of [otherVariables, otherText]) {
      expect(answer.status).toBe(409);
      expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
      expect(parsed(answer)).toEqual({ errors: [{ message: expect.stringContaining('already used for a different request'), extensions: { code: 'CONFLICT', requestId: expect.stringMatching(/^req-/) } }] });
    }
  });

  it('runs ten simultaneous duplicates once: all ten get the same body, nine of them as replays', async () => {
    const { around } = idempotency();
    const runner = mutationRunner(async (run) => {
      await eventually(async () => (claims >= 10 ? true : undefined), { everyMs: 5, what: 'all ten duplicates to have asked for the key' });
      return created(run);
    });

    const answers = await Promise.all(Array.from({ length: 10 }, () => around(operation(), runner.next)));

    expect(runner.runs()).toBe(1);
    expect(new Set(answers.map((a) => a.body))).toEqual(new Set([created(1).body]));
    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect(answers.filter((a) => a.headers.get('idempotent-replayed') === 'true')).toHaveLength(9);
  });

  it('lets a waiting duplicate run the mutation when the first request failed before answering', async () => {
    const { around } = idempotency();
    const runner = mutationRunner(async (run) => {
      if (run === 1) {
        await eventually(async () => (claims >= 2 ? true : undefined), { everyMs: 5, what: 'the duplicate to be waiting' });
        throw new Error('subgraph connection reset');
      }
      return created(run);
    });

    const [first, duplicate] = await Promise.allSettled([around(operation(), runner.next), around(operation(), runner.next)]);

    expect(first).toEqual({ status: 'rejected', reason: expect.objectContaining({ message: 'subgraph connection reset' }) });
    expect(duplicate).toEqual({ status: 'fulfilled', value: expect.objectContaining({ status: 200, body: created(2).body }) });
    expect((duplicate as PromiseFulfilledResult<HttpAnswer>).value.headers.has('idempotent-replayed')).toBe(false);
    expect(runner.runs()).toBe(2);
  });

  it('takes over a claim whose holder died (it lapses on its own) and runs the mutation', async () => {
    const { around, store } = idempotency({ waitMs: 5_000 });
    // Another replica claimed the key with a short claim TTL and never came back.
    await store.claim('tenant-1', KEY, { fingerprint: requestFingerprint(operation()), principal: 'USER:ada' }, 100);
    const runner = mutationRunner();

    const answer = await around(operation(), runner.next);

    expect(runner.runs()).toBe(1);
    expect(answer).toMatchObject({ status: 200, body: created(1).body });
  });

  it('answers CONFLICT "still running" to a duplicate that waited waitMs while the first kept running, and keeps the first one\'s claim', async () => {
    const { around } = idempotency({ waitMs: 150 });
    const release = gate();
    const runner = mutationRunner(async (run) => {
      await release.wait;
      return created(run);
    });

    const first = around(operation(), runner.next);
    const duplicate = await around(operation(), runner.next);
    release.open();
    await first;
    const retry = await around(operation(), runner.next);

    expect(duplicate.status).toBe(409);
    expect(parsed(duplicate).errors?.[0]).toEqual({ message: expect.stringContaining('is still running'), extensions: { code: 'CONFLICT', requestId: expect.any(String) } });
    expect(runner.runs()).toBe(1);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(logs).toEqual([]);
  });

  it.each([
    ['another user', grace],
    ['an API key', adasKey],
  ])('refuses the key from %s in the same tenant with CONFLICT, never replaying the first caller\'s answer', async (_who, other) => {
    const { around } = idempotency();
    const runner = mutationRunner();
    await around(operation(), runner.next);

    const answer = await around(operation({ principal: other }), runner.next);

    expect(runner.runs()).toBe(1);
    expect(answer.status).toBe(409);
    expect(answer.body).not.toContain('thing-1');
    expect(parsed(answer).errors?.[0]?.extensions.code).toBe('CONFLICT');
  });

  it('keeps keys of different tenants apart: the same key in another tenant runs its own mutation', async () => {
    const { around } = idempotency();
    const runner = mutationRunner();
    await around(operation(), runner.next);

    const answer = await around(operation({ principal: elsewhere }), runner.next);

    expect(runner.runs()).toBe(2);
    expect(answer.body).toBe(created(2).body);
  });

  it('refuses an anonymous caller that sends the header with BAD_USER_INPUT (400), running nothing', async () => {
    const { around } = idempotency();
    const runner = mutationRunner();

    const answer = await around(operation({ principal: ANONYMOUS }), runner.next);

    expect(runner.runs()).toBe(0);
    expect(answer.status).toBe(400);
    expect(parsed(answer).errors?.[0]).toEqual({
      message: 'Idempotency-Key: needs a signed-in caller; sign in first, or send this mutation without the header',
      extensions: { code: 'BAD_USER_INPUT', field: 'Idempotency-Key', requestId: expect.any(String) },
    });
  });

  it.each([
    ['that is empty', ''],
    ['with a space', 'my key'],
    ['of 256 characters', 'k'.repeat(256)],
    ['that is not ASCII', 'clé'],
    ['with a control character', 'key\t1'],
    ['sent in two headers', ['a', 'b']],
  ])('refuses a key %s with BAD_USER_INPUT naming the header', async (_what, key) => {
    const { around } = idempotency();
    const runner = mutationRunner();

    const answer = await around(operation({ key }), runner.next);

    expect(runner.runs()).toBe(0);
    expect(answer.status).toBe(400);
    expect(parsed(answer).errors?.[0]).toEqual({ message: expect.stringMatching(/^Idempotency-Key: must be one header of 1 to 255 visible ASCII characters/), extensions: expect.objectContaining({ code: 'BAD_USER_INPUT', field: 'Idempotency-Key' }) });
  });

  it('accepts a key of 255 visible ASCII characters', async () => {
    const { around } = idempotency();
    const visible = Array.from({ length: 0x7e - 0x21 + 1 }, (_, i) => String.fromCharCode(0x21 + i)).join('');
    const key = visible.repeat(3).slice(0, 255);
    const runner = mutationRunner();

    await around(operation({ key }), runner.next);
    const retry = await around(operation({ key }), runner.next);

    expect(runner.runs()).toBe(1);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
  });

  it('runs a query with the header every time, storing nothing and adding no replay header', async () => {
    const { around } = idempotency();
    const runner = mutationRunner();
    const query = { operationType: 'query' as const, query: 'query Things { things { id } }', principal: ANONYMOUS };

    const answers = [await around(operation(query), runner.next), await around(operation(query), runner.next)];
    await around(operation(), runner.next);

    expect(runner.runs()).toBe(3);
    expect(answers.map((a) => a.headers.has('idempotent-replayed'))).toEqual([false, false]);
  });

  it('passes a mutation without the header straight through, every time', async () => {
    const { around } = idempotency();
    const runner = mutationRunner();

    await around(operation({ key: null }), runner.next);
    await around(operation({ key: null }), runner.next);

    expect(runner.runs()).toBe(2);
    expect(claims).toBe(0);
  });

  it.each([
    ['a 200 without data whose errors are all SERVICE_UNAVAILABLE', failed('SERVICE_UNAVAILABLE')],
    ['a 200 without data whose errors are INTERNAL_SERVER_ERROR and RATE_LIMITED', failed('INTERNAL_SERVER_ERROR', 'RATE_LIMITED')],
    ['a 503', graphql({ errors: [{ message: 'down', extensions: { code: 'SERVICE_UNAVAILABLE' } }] }, 503)],
    ['a 429', graphql({ errors: [{ message: 'slow down', extensions: { code: 'RATE_LIMITED' } }] }, 429)],
    ['a 200 whose body is not JSON', { status: 200, headers: new Map(), body: 'upstream said no' }],
  ])('does not store %s, which says the mutation did not run: a retry runs it', async (_what, notRun) => {
    const { around } = idempotency();
    const runner = mutationRunner((run) => (run === 1 ? notRun : created(run)));

    const first = await around(operation(), runner.next);
    const retry = await around(operation(), runner.next);
    const again = await around(operation(), runner.next);

    expect(first).toBe(notRun);
    expect(retry.body).toBe(created(2).body);
    expect(runner.runs()).toBe(2);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
  });

  it.each([
    ['a refusal by the subgraph (FORBIDDEN, no data)', failed('FORBIDDEN')],
    ['partial data with a SERVICE_UNAVAILABLE error', graphql({ data: { createThing: { id: 'thing-partial' } }, errors: [{ message: 'x', extensions: { code: 'SERVICE_UNAVAILABLE' } }] })],
  ])('stores %s, since the mutation did run', async (_what, ran) => {
    const { around } = idempotency();
    const runner = mutationRunner(() => ran);

    await around(operation(), runner.next);
    const retry = await around(operation(), runner.next);

    expect(runner.runs()).toBe(1);
    expect(retry).toMatchObject({ status: 200, body: ran.body });
  });

  it('does not store an answer larger than maxResponseBytes, logs a warning without it, and a retry runs again', async () => {
    const { around } = idempotency({ maxResponseBytes: 100 });
    const runner = mutationRunner((run) => graphql({ data: { createThing: { id: `thing-${run}`, note: 'x'.repeat(200) } } }));

    const first = await around(operation(), runner.next);
    await around(operation(), runner.next);

    expect(first.body).toContain('x'.repeat(200));
    expect(runner.runs()).toBe(2);
    expect(logs).toContainEqual({
      level: 'warn',
      message: 'mutation answer too large to keep for Idempotency-Key replays; a retry will run it again',
      fields: { feature: 'idempotency', requestId: expect.any(String), operationName: 'CreateThing', bytes: Buffer.byteLength(first.body), maxResponseBytes: 100 },
    });
  });

  it('answers 503 SERVICE_UNAVAILABLE without running the mutation when the store fails', async () => {
    const down = new MemoryIdempotencyStore();
    down.claim = () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6379'));
    const { around } = idempotency({}, down);
    const runner = mutationRunner();

    const answer = await around(operation(), runner.next);

    expect(runner.runs()).toBe(0);
    expect(answer.status).toBe(503);
    expect(parsed(answer).errors?.[0]?.extensions).toEqual({ code: 'SERVICE_UNAVAILABLE', requestId: expect.any(String) });
    expect(logs).toContainEqual(expect.objectContaining({ level: 'error', fields: expect.objectContaining({ error: 'connect ECONNREFUSED 127.0.0.1:6379' }) }));
  });

  it('still answers a mutation that ran when its answer cannot be stored, and logs that it was not kept', async () => {
    const failing = new MemoryIdempotencyStore();
    failing.complete = () => Promise.reject(new Error('READONLY You can\'t write against a read only replica.'));
    const { around } = idempotency({}, failing);
    const runner = mutationRunner();

    const answer = await around(operation(), runner.next);

    expect(answer.body).toBe(created(1).body);
    expect(logs).toContainEqual(expect.objectContaining({ level: 'error', message: 'could not keep a mutation answer for Idempotency-Key replays' }));
  });

  it('stops its store when the gateway stops, refusing later mutations with a key rather than running them unguarded', async () => {
    const { around } = idempotency();
    await Promise.all(features.splice(0).map((f) => f.stop?.() ?? Promise.resolve()));
    const runner = mutationRunner();

    const answer = await around(operation(), runner.next);

    expect(runner.runs()).toBe(0);
    expect(answer.status).toBe(503);
  });
});

