import { readFileSync } from 'node:fs';
import { startDistributedPlatform, type RunningPlatform } from '../support/platform';
import { createTenantWithAdmin, signInAsAdmin, type TenantWithAdmin } from '../support/scenario';
import { distributedAvailable } from '../support/modes';

const distributed = distributedAvailable();
const REQUESTS = 3_000;
const CONCURRENCY = 8;

/** A small deterministic PRNG (mulberry32): the same seed sends the same requests, so a failure can be replayed. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface FuzzRequest {
  kind: string;
  method: 'GET' | 'POST';
  contentType?: string;
  body?: string;
  search?: string;
  authenticated: boolean;
}

const FIELDS = ['me', 'users', 'tenant', 'organizations', 'auditEvents', 'apiKeys', 'roles', '__typename', 'nope', '__schema'];
const nested = (depth: number) => `{ ${'me { tenant { '.repeat(depth)}id${' } }'.repeat(depth)} }`;

/** One request of a kind picked at random: malformed, oversized, deep, alias-bombed, fragment-cyclic or wrongly typed. */
function generate(next: () => number): FuzzRequest {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  const int = (max: number) => Math.floor(next() * max);
  const authenticated = next() < 0.7;
  const post = (kind: string, payload: unknown): FuzzRequest => ({ kind, method: 'POST', contentType: 'application/json', body: JSON.stringify(payload), authenticated });
  switch (int(14)) {
    case 0:
      return { kind: 'malformed json', method: 'POST', contentType: 'application/json', body: pick(['{', '{"query":', '[{]', 'null', '"x"', '{"query": 12}', '\u0000\u0001', '{"query":"{ me { id } }"'.slice(0, int(24))]), authenticated };
    case 1:
      return { kind: 'wrong content type', method: 'POST', contentType: pick(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']), body: 'query={me{id}}', authenticated };
    case 2:
      return post('syntax soup', { query: Array.from({ length: 1 + int(60) }, () => pick(['{', '}', '(', ')', ':', '$', '...', '@', 'on', 'me', '"', '!', '[', ']', '#', '\\u', '1e999'])).join(' ') });
    case 3:
      return post('token bomb', { query: `{ me { ${'id '.repeat(2_000 + int(200_000))}} }` });
    case 4:
      return { kind: 'oversized body', method: 'POST', contentType: 'application/json', body: JSON.stringify({ query: `{ me { id } } #${'x'.repeat(1024 * 1024 + int(1000))}` }), authenticated };
    case 5:
      return post('deep nesting', { query: nested(5 + int(400)) });
    case 6:
      return post('alias bomb', {
        query: next() < 0.5 ? `{ ${Array.from({ length: 31 + int(3_000) }, (_, i) => `a${i}: me { id }`).join(' ')} }` : `{ me { ${Array.from({ length: 31 + int(1_500) }, (_, i) => `a${i}: id`).join(' ')} } }`,
      });
    case 7:
      return post('fragment cycle', {
        query: pick([
          'query { me { ...A } } fragment A on User { ...B } fragment B on User { ...A }',
          'query { me { ...A } } fragment A on User { id ...A }',
          'query { me { ...Missing } }',
          `query { me { ...F0 } } ${Array.from({ length: 50 }, (_, i) => `fragment F${i} on User { id ...F${(i + 1) % 50} }`).join(' ')}`,
        ]),
      });
    case 8:
      return post('wrongly typed variables', {
        query: pick(['query($first: Int) { users(first: $first) { edges { node { id } } } }', 'query($id: ID!) { tenant(id: $id) { id } }', 'mutation($i: CreateTenantInput!) { createTenant(input: $i) { id } }']),
        variables: pick([{ first: 'abc' }, { first: 1e100 }, { first: -1 }, { first: [] }, { id: {} }, { id: 'not-a-uuid' }, { i: { name: 7, slug: null } }, { i: 'x' }, null, 'vars', [1, 2]]),
      });
    case 9:
      return post('batch', Array.from({ length: int(20) }, () => ({ query: '{ me { id } }' })));
    case 10:
      return post('directive bomb', { query: `{ me { id ${'@include(if: true) '.repeat(1 + int(300))} } }` });
    case 11:
      return post('root field bomb', { query: `{ ${Array.from({ length: 21 + int(500) }, (_, i) => `f${i}: __typename`).join(' ')} }` });
    case 12:
      return post('wrong operation', {
        query: pick(['query A { me { id } } query B { me { email } }', '{ me { id } } { me { email } }', 'subscription { userChanged { type } }', `{ ${pick(FIELDS)} }`, '{ me { id(arg: 1) } }']),
        operationName: pick([null, 'C', 7, '', 'A']),
      });
    default:
      return { kind: 'get garbage', method: 'GET', search: `?query=${encodeURIComponent(pick(['{me{id}}', 'mutation { signOut }', '{', nested(50)]))}&variables=${pick(['{', '%7B%7D', 'null', '[1]'])}&extensions=${pick(['', '{"persistedQuery":{"sha256Hash":1}}', '{'])}`, authenticated };
  }
}

function rssOf(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'))!;
  return Number(line.replace(/\D/g, '')) * 1024;
}

(distributed ? describe : describe.skip)('the gateway under a few thousand hostile requests (distributed mode)', () => {
  let platform: RunningPlatform;
  let acme: TenantWithAdmin;

  beforeAll(async () => {
    platform = await startDistributedPlatform();
    acme = await createTenantWithAdmin(platform.graphqlUrl, await signInAsAdmin(platform.graphqlUrl));
  }, 120_000);

  afterAll(async () => {
    await platform?.destroy();
  });

  it('answers every one with a coded 4xx or a clean 200, never a 5xx or a stack trace, and its memory comes back near its baseline', async () => {
    const gateway = platform.processes.find((p) => p.child.spawnargs.some((arg) => arg.endsWith('gateway/main.js')))!;
    const send = async (request: FuzzRequest) => {
      const headers: Record<string, string> = {};
      if (request.contentType) headers['content-type'] = request.contentType;
      if (request.authenticated) headers.authorization = `Bearer ${acme.admin.token}`;
      // Apollo's CSRF prevention wants a preflight-forcing header on GETs and non-JSON POSTs.
      headers['apollo-require-preflight'] = 'true';
      try {
        const response = await fetch(`${platform.graphqlUrl}${request.search ?? ''}`, { method: request.method, headers, ...(request.body !== undefined ? { body: request.body } : {}) });
        return { status: response.status, text: await response.text() };
      } catch (error) {
        // A server that has answered 413 closes the connection on a body it will not read: a client still sending
        // may see the close before the answer. That is HTTP, not a crash; anything else is a failure.
        if (request.kind === 'oversized body' && /other side closed|ECONNRESET|EPIPE/.test(String((error as { cause?: unknown }).cause ?? error))) {
          return { status: 413, text: '{"errors":[{"extensions":{"code":"BAD_USER_INPUT"}}],"closed":true}' };
        }
        throw error;
      }
    };
    const run = async (seed: number, total: number) => {
      const next = random(seed);
      const requests = Array.from({ length: total }, () => generate(next));
      const outcomes: { kind: string; status: number; text: string }[] = [];
      let i = 0;
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (i < requests.length) {
            const request = requests[i++]!;
            outcomes.push({ kind: request.kind, ...(await send(request)) });
          }
        }),
      );
      return outcomes;
    };

    // A warm-up round of the same kinds fills the caches and grows the heap to its working size: the baseline.
    await run(1, 1_000);
    await new Promise((r) => setTimeout(r, 1_000));
    const baseline = rssOf(gateway.child.pid!);
    const started = Date.now();
    const outcomes = await run(2, REQUESTS);
    const seconds = (Date.now() - started) / 1000;
    await new Promise((r) => setTimeout(r, 2_000));
    const after = rssOf(gateway.child.pid!);
    // The same again with other requests: a leak grows with every round, a heap at its working size does not.
    await run(3, REQUESTS);
    await new Promise((r) => setTimeout(r, 2_000));
    const again = rssOf(gateway.child.pid!);

    const byKind: Record<string, Record<string, number>> = {};
    for (const o of outcomes) {
      const codes = (() => {
        try {
          const body = JSON.parse(o.text) as { errors?: { extensions?: { code?: string } }[] } | { errors?: { extensions?: { code?: string } }[] }[];
          const list = Array.isArray(body) ? body.flatMap((b) => b.errors ?? []) : (body.errors ?? []);
          return [...new Set(list.map((e) => e.extensions?.code ?? 'NO_CODE'))].join('+') || 'OK';
        } catch {
          return 'NOT_JSON';
        }
      })();
      const slot = (byKind[o.kind] ??= {});
      const key = `${o.status} ${codes}`;
      slot[key] = (slot[key] ?? 0) + 1;
    }
    console.info(
      `fuzz: ${outcomes.length} requests in ${seconds.toFixed(1)} s; gateway RSS ${(baseline / 2 ** 20).toFixed(0)} MB before, ${(after / 2 ** 20).toFixed(0)} MB after, ${(again / 2 ** 20).toFixed(0)} MB after ${REQUESTS} more\n` +
        Object.entries(byKind)
          .map(([kind, counts]) => `  ${kind}: ${JSON.stringify(counts)}`)
          .join('\n'),
    );

    expect(outcomes).toHaveLength(REQUESTS);
    expect(outcomes.filter((o) => o.status >= 500)).toEqual([]);
    expect(outcomes.filter((o) => /"stacktrace"|\bat [\w.<>]+ \(|node_modules|127\.0\.0\.1/.test(o.text))).toEqual([]);
    // Every refusal says why with a code (the gateway's own 4xx are JSON GraphQL errors).
    expect(outcomes.filter((o) => o.status >= 400 && !/"code":"[A-Z_]+"/.test(o.text))).toEqual([]);
    expect(gateway.child.exitCode).toBeNull();
    expect((await fetch(`${platform.baseUrl}/health/live`)).status).toBe(200);
    // RSS does not shrink when V8 frees: the first round may grow it while the bounded caches (Apollo's document and
    // plan caches, the gateway's parsed documents) fill; a second round of as many other requests must add little.
    expect(after).toBeLessThan(baseline * 1.5 + 40 * 2 ** 20);
    expect(again).toBeLessThan(after * 1.1 + 30 * 2 ** 20);
  }, 180_000);
});
