import type { BenchPlatform } from './platform-process';
import { summary, timed } from './stats';

const SIGN_IN = 'mutation($i: SignInInput!) { signIn(input: $i) { accessToken } }';

async function post(url: string, query: string, variables: Record<string, unknown> = {}, token?: string): Promise<{ data?: unknown; errors?: unknown[] }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as { data?: unknown; errors?: unknown[] };
}

async function mustPost(url: string, query: string, variables: Record<string, unknown> = {}, token?: string): Promise<void> {
  const body = await post(url, query, variables, token);
  if (body.errors) throw new Error(`bench request failed: ${JSON.stringify(body.errors)}`);
}

/**
 * Identity and access at the gateway:
 * - what authentication plus field authorization cost per request: one query the gateway answers itself
 *   (`{ __typename }`), anonymous and with a bearer token, interleaved so drift hits both alike;
 * - sign-in throughput with argon2id on this machine;
 * - whether hashing stalls other requests: p99 of a cheap authenticated query alone and while sign-ins run.
 */
export async function benchIdentity(platform: BenchPlatform, admin: { email: string; password: string }, token: string): Promise<void> {
  const url = platform.graphqlUrl;
  const LOCAL = '{ __typename }';
  for (let i = 0; i < 300; i++) {
    await mustPost(url, LOCAL);
    await mustPost(url, LOCAL, {}, token);
  }
  const anonymous: number[] = [];
  const authenticated: number[] = [];
  for (let i = 0; i < 2000; i++) {
    anonymous.push(await timed(() => mustPost(url, LOCAL)));
    authenticated.push(await timed(() => mustPost(url, LOCAL, {}, token)));
  }
  const a = summary(anonymous);
  const b = summary(authenticated);
  console.log(`gateway-only query, anonymous          ${JSON.stringify(a)}`);
  console.log(`gateway-only query, bearer token       ${JSON.stringify(b)}`);
  console.log(`  per-request cost of token verification + authorization, p50 difference: ${(b.p50 - a.p50).toFixed(3)} ms (target < 0.2)`);

  const CHEAP = '{ me { id } }';
  const idle: number[] = [];
  for (let i = 0; i < 200; i++) idle.push(await timed(() => mustPost(url, CHEAP, {}, token)));

  const signIns = 40;
  const concurrency = 4;
  let next = 0;
  let running = true;
  const busy: number[] = [];
  const started = process.hrtime.bigint();
  const signers = Array.from({ length: concurrency }, async () => {
    while (next < signIns) {
      next += 1;
      await mustPost(url, SIGN_IN, { i: { email: admin.email, password: admin.password } });
    }
  });
  const prober = (async () => {
    while (running) busy.push(await timed(() => mustPost(url, CHEAP, {}, token)));
  })();
  await Promise.all(signers);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  running = false;
  await prober;
  console.log(`sign-in throughput (argon2id 19 MiB t=2, ${concurrency} concurrent clients, ${signIns} sign-ins)  ${(signIns / seconds).toFixed(1)} sign-ins/s`);
  const quiet = summary(idle);
  const loaded = summary(busy);
  console.log(`me { id } alone                        ${JSON.stringify(quiet)}`);
  console.log(`me { id } while sign-ins run           ${JSON.stringify(loaded)}`);
  console.log(`  p99 ratio loaded/alone: ${(loaded.p99 / quiet.p99).toFixed(2)} (hashing runs on libuv's thread pool, not the event loop)`);
}
