import { startBenchPlatform } from './platform-process';
import { summary, timed } from './stats';

const ADMIN_EMAIL = 'bench@lattice.local';
const ADMIN_PASSWORD = 'bench-admin-password';
const ROUNDS = 30;

interface Answer {
  status: number;
  body: { data?: Record<string, { accessToken?: string } | null> | null; errors?: { message: string; extensions?: Record<string, unknown> }[] };
}

async function post(url: string, body: unknown, token?: string): Promise<Answer> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Answer['body'] };
}

const many = (n: number, item: (i: number) => string) => Array.from({ length: n }, (_, i) => item(i)).join(' ');

/** One bomb per operation limit (and batching), each just the kind of request the limit is there for. */
const BOMBS: { name: string; body: unknown }[] = [
  { name: 'token bomb (1 MB of `id`)', body: { query: `{ me { ${'id '.repeat(330_000)}} }` } },
  { name: 'depth bomb (200 levels)', body: { query: `{ ${'me { tenant { '.repeat(100)}id${' } }'.repeat(100)} }` } },
  { name: 'alias bomb (1,500 aliases)', body: { query: `{ me { ${many(1_500, (i) => `a${i}: id`)} } }` } },
  { name: 'root-field bomb (1,000 fields)', body: { query: `{ ${many(1_000, (i) => `f${i}: __typename`)} }` } },
  { name: 'directive bomb (100 on one field)', body: { query: `{ me { id ${'@include(if: true) '.repeat(100)}} }` } },
  {
    name: 'cost bomb (100 × 100 × 100 lists)',
    body: { query: '{ organizations(first: 100) { edges { node { departments(first: 100) { edges { node { children(first: 100) { edges { node { id } } } } } } } } } }' },
  },
  { name: 'batch of 50', body: Array.from({ length: 50 }, () => ({ query: '{ __typename }' })) },
];

/**
 * BENCH_ONLY=protection: each operation limit refusing its bomb (code, limit, actual, time to refuse), beside the
 * time of `{ __typename }` and of a federated `me` through the same gateway. A refusal happens before validation and
 * planning, so it should cost about what the cheapest query costs.
 */
export async function benchProtection(): Promise<void> {
  const platform = await startBenchPlatform({
    LATTICE_ADMIN_EMAIL: ADMIN_EMAIL,
    LATTICE_ADMIN_PASSWORD: ADMIN_PASSWORD,
    // Refused requests still spend the admin's bucket; the bench sends far more than a person would.
    LATTICE_RATE_LIMIT_USER_PER_SECOND: '100000',
    LATTICE_RATE_LIMIT_USER_BURST: '100000',
  });
  try {
    const signIn = await post(platform.graphqlUrl, { query: 'mutation($i: SignInInput!) { signIn(input: $i) { accessToken } }', variables: { i: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD } } });
    const token = signIn.body.data?.signIn?.accessToken;
    if (!token) throw new Error('bench could not sign in');
    const time = async (body: unknown) => {
      const samples: number[] = [];
      let last: Answer | undefined;
      for (let i = 0; i < ROUNDS; i += 1) samples.push(await timed(async () => (last = await post(platform.graphqlUrl, body, token))));
      return { ...summary(samples), last: last! };
    };
    const typename = await time({ query: '{ __typename }' });
    const me = await time({ query: '{ me { id email } }' });
    console.log(`protection: { __typename } p50 ${typename.p50} ms; { me { id email } } p50 ${me.p50} ms (${ROUNDS} sequential each)`);
    for (const bomb of BOMBS) {
      const { p50, p99, last } = await time(bomb.body);
      const error = last.body.errors?.[0];
      const { code, limit, actual } = error?.extensions ?? {};
      console.log(`  ${bomb.name.padEnd(36)} ${last.status} ${String(code).padEnd(26)} limit ${String(limit)}, actual ${String(actual)}; refused in p50 ${p50} ms, p99 ${p99} ms (${(p50 / typename.p50).toFixed(1)}× { __typename })`);
    }
  } finally {
    await platform.stop();
  }
}
