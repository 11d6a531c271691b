import { benchAuditIngest } from './audit-ingest-scenario';
import { benchAuditLatency } from './audit-latency-scenario';
import { benchEffectiveConfiguration } from './configuration-scenario';
import { benchHotReload } from './hot-reload-scenario';
import { benchIdentity } from './identity-scenario';
import { benchProtection } from './protection-scenario';
import { benchIdleSocketsDistributed, benchSubscriptions } from './subscriptions-scenario';
import { startBenchPlatform } from './platform-process';
import { summary, timed } from './stats';

/**
 * `npm run bench`: scenarios against the embedded platform over real HTTP. Machines are noisy; read the ratios
 * within one run rather than absolute times across runs. Every loop is bounded in count.
 */
const ADMIN_EMAIL = 'bench@lattice.local';
const ADMIN_PASSWORD = 'bench-admin-password';

async function call(url: string, query: string, variables: Record<string, unknown> = {}, token?: string) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as { data?: Record<string, { accessToken?: string } | null>; errors?: { extensions?: { code?: string } }[] };
}

const SIGN_IN = 'mutation($i: SignInInput!) { signIn(input: $i) { accessToken } }';

/**
 * BENCH_ONLY=platform|reload|subscriptions|audit|protection runs one group of scenarios; unset runs all. BENCH_AUDIT_RATE overrides the audit
 * latency scenario's 200 mutations/s.
 */
const GROUPS = ['platform', 'reload', 'subscriptions', 'audit', 'protection'] as const;
type Group = (typeof GROUPS)[number];

function selectedGroups(only: string | undefined): readonly Group[] {
  if (only === undefined || only === '') return GROUPS;
  const group = GROUPS.find((g) => g === only);
  if (!group) throw new Error(`BENCH_ONLY must be one of ${GROUPS.join(', ')} (got ${JSON.stringify(only)})`);
  return [group];
}

function positiveNumber(name: string, raw: string): number {
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number (got ${JSON.stringify(raw)})`);
  return value;
}

async function main(): Promise<void> {
  const groups = selectedGroups(process.env.BENCH_ONLY);
  if (groups.includes('platform')) await benchPlatform();
  // Its own platform: each operation limit refusing its bomb, and how long that takes.
  if (groups.includes('protection')) await benchProtection();
  // Its own platform, watching a supergraph file the scenario replaces under load.
  if (groups.includes('reload')) await benchHotReload();
  // Its own platform: idle sockets held, then delivery to many subscribers of one tenant.
  if (groups.includes('subscriptions')) {
    await benchSubscriptions();
    await benchIdleSocketsDistributed();
  }
  if (groups.includes('audit')) {
    // Each starts and drops its own databases (and platform), after the platform scenarios' platform has stopped.
    await benchAuditIngest();
    // BENCH_AUDIT_RATE: mutations/s offered (default 200), to find the rate this machine sustains.
    const rate = process.env.BENCH_AUDIT_RATE;
    const rateOption = rate ? { mutationsPerSecond: positiveNumber('BENCH_AUDIT_RATE', rate) } : {};
    await benchAuditLatency({ ...rateOption, mode: 'embedded' });
    await benchAuditLatency({ ...rateOption, mode: 'distributed' });
  }
}

async function benchPlatform(): Promise<void> {
  // debug: tenancy logs the database round trips of each configuration resolution, which the bench reads.
  const platform = await startBenchPlatform({
    LATTICE_ADMIN_EMAIL: ADMIN_EMAIL,
    LATTICE_ADMIN_PASSWORD: ADMIN_PASSWORD,
    LOG_LEVEL: 'debug',
    // The refusal-timing rounds below fail on purpose, far more often than lockout and the per-IP limit allow.
    LATTICE_LOCKOUT_THRESHOLD: '1000',
    LATTICE_SIGN_IN_IP_LIMIT: '100000',
  });
  try {
    const token = (await call(platform.graphqlUrl, SIGN_IN, { i: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD } })).data?.signIn?.accessToken;
    if (!token) throw new Error('bench could not sign in');

    // Sign-in refusals: an unknown e-mail must cost what a wrong password costs, or timing reveals which accounts exist.
    const rounds = 40;
    const unknown: number[] = [];
    const wrong: number[] = [];
    for (let i = 0; i < rounds; i++) {
      unknown.push(await timed(() => call(platform.graphqlUrl, SIGN_IN, { i: { email: `nobody-${i}@lattice.local`, password: 'not-the-password' } })));
      wrong.push(await timed(() => call(platform.graphqlUrl, SIGN_IN, { i: { email: ADMIN_EMAIL, password: 'not-the-password' } })));
    }
    const u = summary(unknown);
    const w = summary(wrong);
    console.log(`sign-in refused, unknown e-mail   ${JSON.stringify(u)}`);
    console.log(`sign-in refused, wrong password   ${JSON.stringify(w)}`);
    console.log(`  ratio of medians unknown/wrong: ${(u.p50 / w.p50).toFixed(2)} (1.00 = indistinguishable)`);

    // Federated read: identity answers `me`, tenancy is not involved for a platform user; the query plan still runs.
    const federated: number[] = [];
    for (let i = 0; i < 300; i++) federated.push(await timed(() => call(platform.graphqlUrl, '{ me { email roles tenant { id } } }', {}, token)));
    console.log(`me through the gateway (sequential)  ${JSON.stringify(summary(federated))}`);

    await benchEffectiveConfiguration(platform, token);
    await benchIdentity(platform, { email: ADMIN_EMAIL, password: ADMIN_PASSWORD }, token);
  } finally {
    await platform.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
