import { z } from 'zod';

/** Which process is being started: the all-in-one platform (`npm start`) or one service of a distributed deployment. */
export type ServiceRole = 'platform' | 'gateway' | 'identity' | 'tenancy' | 'audit' | 'registry';
export type SubgraphName = 'identity' | 'tenancy' | 'audit';
export const SUBGRAPH_NAMES: readonly SubgraphName[] = ['identity', 'tenancy', 'audit'];
/** A service with a database of its own: the three subgraphs and the schema registry (which is no subgraph). */
export type ServiceName = SubgraphName | 'registry';

/** Where a service's port, URL and databases are configured. */
export function serviceSettings(config: Pick<LatticeConfig, 'subgraphs' | 'registry'>, name: ServiceName): SubgraphSettings {
  return name === 'registry' ? config.registry : config.subgraphs[name];
}

export interface SubgraphSettings {
  /** Port this subgraph listens on when this process serves it (0 = any free port). */
  port: number;
  /** Where other processes reach its GraphQL endpoint (distributed mode). */
  url: string | undefined;
  /** PostgreSQL URL; undefined means an embedded PGlite database under the data dir. Migrations run with it. */
  databaseUrl: string | undefined;
  /**
   * The URL the running service logs in with: a role that is neither owner nor superuser (a member of
   * `lattice_app`). Unset, the pool uses databaseUrl and relies on `SET LOCAL ROLE lattice_app` alone.
   */
  appDatabaseUrl: string | undefined;
}

export interface LatticeConfig {
  role: ServiceRole;
  host: string;
  port: number;
  dataDir: string;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  subgraphs: Record<SubgraphName, SubgraphSettings>;
  /** The schema registry (schema/registry): REGISTRY_PORT, REGISTRY_URL, REGISTRY_DATABASE_URL, REGISTRY_DATABASE_APP_URL. */
  registry: SubgraphSettings;
  redisUrl: string | undefined;
  /** Prefix of every Redis key and channel this deployment uses, so deployments can share one Redis. */
  eventNamespace: string;
  mongoUrl: string | undefined;
  admin: { email: string | undefined; password: string | undefined };
  /** HMAC secret the gateway signs subgraph context with; generated and kept in the data dir when embedded and unset. */
  contextSecret: string | undefined;
  accessTokenTtlSeconds: number;
  /** identity's signing keys: replaced every `rotationDays`; a new key is published `leadSeconds` before it signs. */
  signingKeys: { rotationDays: number; leadSeconds: number };
  /** identity's brute-force protection: failed sign-ins per account (then locked) and per client address, per window. */
  signInThrottle: { accountThreshold: number; ipLimit: number; windowSeconds: number };
  drainTimeoutMs: number;
  /**
   * LATTICE_AUDIT_CONSUMER: this audit replica's name in the audit consumer group. A restarted replica under the same
   * name takes back the events it held when it stopped, before anything newer; give each replica its own stable
   * name (a StatefulSet pod name). Unset: `audit@<host>:<AUDIT_PORT>`, or a name of its own when the port is 0.
   */
  auditConsumer: string | undefined;
  /**
   * Whether the GraphQL endpoints (gateway and every subgraph) answer introspection and "Did you mean …"
   * suggestions: off with NODE_ENV=production, on otherwise; LATTICE_INTROSPECTION overrides.
   */
  introspection: boolean;
  /** The gateway's tunables, each with its default in GATEWAY_DEFAULTS. */
  gateway: GatewaySettings;
  /** LATTICE_METRICS_PORT: `/metrics` is served on this port only (0 = any free one); unset, on the service's own port. */
  metricsPort: number | undefined;
  /** OpenTelemetry traces over OTLP/HTTP: on when OTEL_EXPORTER_OTLP_ENDPOINT is set; OTEL_SERVICE_NAME names the service (default `lattice-<role>`). */
  tracing: { otlpEndpoint: string | undefined; serviceName: string | undefined };
}

export interface GatewaySettings {
  /** LATTICE_SUPERGRAPH_PATH (or `--supergraph`): a file watched for new versions; unset, the committed schema/supergraph.graphql. */
  supergraphPath: string | undefined;
  /** Set by `--supergraph`: serve that file's subgraphs at the URLs it names, with only the features configured for them. */
  foreignSupergraph: boolean;
  /** How often the watched supergraph file is checked for a change (a watch event also triggers a check at once). */
  supergraphPollMs: number;
  /**
   * LATTICE_SUPERGRAPH_SOURCE: `registry` (the schema registry's current supergraph, kept on disk for when it is
   * down: the default of `npm start`) or `file` (the committed schema/supergraph.graphql: the default of
   * `start:gateway`). LATTICE_SUPERGRAPH_PATH and `--supergraph` name a watched file instead, whatever this says.
   */
  supergraphSource: 'registry' | 'file';
  /** The registry as a supergraph source: how often it is asked (a publish event also triggers a fetch at once). */
  registry: { pollMs: number; timeoutMs: number };
  /** LATTICE_SAFELIST: `enforce` runs only operations registered with the registry, `audit` logs the others, `off` (default). */
  safelist: 'off' | 'audit' | 'enforce';
  /** The operations clients run are sent to the registry in batches, this often, for its operation checks. */
  operationReporting: { flushMs: number; maxDistinct: number };
  /** JWT verification against any JWKS (LATTICE_JWKS_URL); issuer and audience are checked when given. */
  jwt: { jwksUrl: string | undefined; issuer: string | undefined; audience: string | undefined };
  /** How long the gateway waits for identity's or tenancy's answers it needs before serving a request. */
  timeouts: { tenantStatusMs: number; apiKeyVerifyMs: number; accessCheckMs: number; jwksFetchMs: number; readinessCheckMs: number };
  /** JWKS: an unknown `kid` refetches at most once per cooldown; fetched keys are kept for `cacheMaxAgeMs`. */
  jwks: { refetchCooldownMs: number; cacheMaxAgeMs: number; publicMaxAgeSeconds: number };
  /** Entries each in-memory cache holds at most (least recently used go first). */
  caches: { tenantStatuses: number; apiKeys: number; verifiedTokens: number; revocations: number };
  /** How long a verdict about an API key is trusted without a word from identity. */
  apiKeyCacheTtlMs: number;
  /**
   * LATTICE_BUS_OUTAGE_WINDOW_MS: while the event bus is disconnected, what the tenant-status, API-key and revocation
   * caches learned longer ago than this is checked again with its owner (docs/operations.md, "Event bus outages").
   */
  busOutageWindowMs: number;
  /** API key uses are reported to identity in batches, this often. */
  apiKeyUseFlushMs: number;
  /** The largest request body accepted. */
  maxBodyBytes: number;
  /** Subscriptions over graphql-ws (gateway/subscriptions): protocol timeouts and the limits that close a socket with 4429. */
  subscriptions: {
    /** A socket that sends no `connection_init` within this closes with 4408. */
    initTimeoutMs: number;
    /** A larger message closes the socket with 4400. */
    maxMessageBytes: number;
    /** Pings this often (LATTICE_SUBSCRIPTION_KEEPALIVE_MS); a socket that does not answer within the same time is dropped. */
    keepAliveMs: number;
    maxSubscriptionsPerConnection: number;
    maxConnectionsPerUser: number;
    maxConnectionsPerTenant: number;
    /** Events waiting for one subscriber beyond this, or this many bytes unsent on its socket: it is too slow (4429). */
    maxPendingEvents: number;
    maxBufferedBytes: number;
  };
  /** Operation limits (gateway/limits): checked on the parsed document before validation, planning or any subgraph call. */
  limits: OperationLimitSettings;
  /** Per-tenant, per-user and per-API-key token buckets (gateway/rate-limit); tenants override them in configuration (`gateway.rate_limit.*`). */
  rateLimit: RateLimitSettings;
  /** `Idempotency-Key` on mutations (gateway/idempotency). */
  idempotency: IdempotencySettings;
  /** How long a subgraph fetch may take, and the circuit breaker that stops calling a failing subgraph. */
  subgraphCalls: SubgraphCallSettings;
}

export interface OperationLimitSettings {
  /** Lexical tokens in the operation text (LATTICE_MAX_TOKENS). */
  maxTokens: number;
  /** Nesting of selections, fragments flattened, introspection (`__schema`, `__type`) not counted (LATTICE_MAX_DEPTH). */
  maxDepth: number;
  /** Aliased fields in the operation, its fragments included (LATTICE_MAX_ALIASES). */
  maxAliases: number;
  /** Fields selected at the root of the operation, aliases of one field counted apart (LATTICE_MAX_ROOT_FIELDS). */
  maxRootFields: number;
  /** Directives on any one field or fragment (LATTICE_MAX_DIRECTIVES_PER_FIELD). */
  maxDirectivesPerField: number;
  /** Estimated cost: each object field 1, times the sizes of the lists it is inside (LATTICE_MAX_COST). */
  maxCost: number;
  /** The size assumed for a list with no `first`/`last`/`limit` argument (LATTICE_COST_DEFAULT_LIST_SIZE). */
  defaultListSize: number;
  /** JSON-array batches: refused unless enabled (LATTICE_BATCHING=on), then at most `maxBatchSize` operations (LATTICE_MAX_BATCH_SIZE). */
  batching: { enabled: boolean; maxBatchSize: number };
}

/** A token bucket: `burst` tokens at most, refilled at `perSecond`. */
export interface TokenBucketSettings {
  perSecond: number;
  burst: number;
}

export interface RateLimitSettings {
  /** LATTICE_RATE_LIMIT=off turns every bucket off. */
  enabled: boolean;
  tenant: TokenBucketSettings;
  user: TokenBucketSettings;
  apiKey: TokenBucketSettings;
  /** How long a tenant's overrides are kept before tenancy is asked again (a configuration event forgets them at once). */
  overridesTtlMs: number;
}

export interface IdempotencySettings {
  /** How long a stored answer replays (LATTICE_IDEMPOTENCY_TTL_SECONDS, default 24 h). */
  ttlSeconds: number;
  /** How long a duplicate waits for the first request's answer; also how long an unfinished claim holds. */
  waitMs: number;
  /** Answers larger than this are not stored (the key is released, so a retry runs again). */
  maxResponseBytes: number;
}

export interface SubgraphCallSettings {
  /** Every subgraph fetch is abandoned after this (LATTICE_SUBGRAPH_TIMEOUT_MS), unless `timeoutsMs` names the subgraph. */
  timeoutMs: number;
  /** Per subgraph, by its supergraph name (LATTICE_SUBGRAPH_TIMEOUT_MS_<NAME>, e.g. LATTICE_SUBGRAPH_TIMEOUT_MS_TENANCY). */
  timeoutsMs: Readonly<Record<string, number>>;
  breaker: {
    /** Consecutive failed fetches (unreachable, timed out, 5xx) that open the circuit (LATTICE_BREAKER_FAILURES). */
    failureThreshold: number;
    /** How long an open circuit fails fast before one probe is let through (LATTICE_BREAKER_OPEN_MS). */
    openMs: number;
  };
}

/** Every gateway tunable's default, in one place (README, "Gateway tunables"). */
export const GATEWAY_DEFAULTS: Omit<GatewaySettings, 'supergraphPath' | 'foreignSupergraph' | 'jwt' | 'supergraphSource'> = {
  supergraphPollMs: 1_000,
  safelist: 'off',
  registry: { pollMs: 2_000, timeoutMs: 3_000 },
  operationReporting: { flushMs: 5_000, maxDistinct: 10_000 },
  timeouts: { tenantStatusMs: 3_000, apiKeyVerifyMs: 3_000, accessCheckMs: 3_000, jwksFetchMs: 5_000, readinessCheckMs: 2_000 },
  jwks: { refetchCooldownMs: 30_000, cacheMaxAgeMs: 10 * 60_000, publicMaxAgeSeconds: 60 },
  caches: { tenantStatuses: 10_000, apiKeys: 10_000, verifiedTokens: 10_000, revocations: 100_000 },
  apiKeyCacheTtlMs: 60_000,
  busOutageWindowMs: 5_000,
  apiKeyUseFlushMs: 5_000,
  maxBodyBytes: 1024 * 1024,
  subscriptions: {
    initTimeoutMs: 10_000,
    maxMessageBytes: 64 * 1024,
    keepAliveMs: 12_000,
    maxSubscriptionsPerConnection: 25,
    maxConnectionsPerUser: 25,
    maxConnectionsPerTenant: 10_000,
    maxPendingEvents: 100,
    maxBufferedBytes: 1024 * 1024,
  },
  limits: {
    maxTokens: 5_000,
    maxDepth: 12,
    maxAliases: 30,
    maxRootFields: 20,
    maxDirectivesPerField: 5,
    maxCost: 50_000,
    defaultListSize: 10,
    batching: { enabled: false, maxBatchSize: 10 },
  },
  rateLimit: {
    enabled: true,
    tenant: { perSecond: 500, burst: 1_000 },
    user: { perSecond: 100, burst: 200 },
    apiKey: { perSecond: 100, burst: 200 },
    overridesTtlMs: 60_000,
  },
  idempotency: { ttlSeconds: 24 * 3600, waitMs: 30_000, maxResponseBytes: 1024 * 1024 },
  subgraphCalls: { timeoutMs: 10_000, timeoutsMs: {}, breaker: { failureThreshold: 5, openMs: 5_000 } },
};

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const optionalString = z
  .string()
  .transform((v) => (v.trim() === '' ? undefined : v.trim()))
  .optional();

const port = (fallback: number) =>
  z.coerce
    .number({ error: 'must be a port number' })
    .int('must be an integer')
    .min(0, 'must be 0..65535')
    .max(65535, 'must be 0..65535')
    .default(fallback);

const url = (protocols: readonly string[]) =>
  optionalString.refine(
    (v) => {
      if (v === undefined) return true;
      try {
        return protocols.includes(new URL(v).protocol);
      } catch {
        return false;
      }
    },
    { message: `must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}` },
  );

const postgresUrl = url(['postgres:', 'postgresql:']);

/** An optional whole number in [min, max]; the message names the range, so a bad value says what would do. */
const count = (min: number, max: number, unit = '') => {
  const range = `must be ${min} to ${max}${unit ? ` ${unit}` : ''}`;
  return z.coerce.number({ error: `must be a number${unit ? ` of ${unit}` : ''}` }).int('must be a whole number').min(min, range).max(max, range).optional();
};
const onOff = z.enum(['on', 'off'], { error: 'must be on or off' }).optional();
const httpUrl = url(['http:', 'https:']);
const roleName = optionalString.refine((v) => v === undefined || /^[a-z_][a-z0-9_]{0,62}$/.test(v), { message: 'must be a role name matching ^[a-z_][a-z0-9_]{0,62}$' });
// Printable ASCII: db:init computes the SCRAM verifier itself, and SASLprep leaves such passwords as they are.
const databasePassword = optionalString.refine((v) => v === undefined || /^[\x21-\x7e]{12,128}$/.test(v), {
  message: 'must be 12 to 128 printable ASCII characters, without spaces',
});

const envSchema = z.object({
  PORT: port(4000),
  HOST: z.string().min(1).default('127.0.0.1'),
  LATTICE_DATA_DIR: z.string().min(1).default('.lattice'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  IDENTITY_PORT: port(4001),
  TENANCY_PORT: port(4002),
  AUDIT_PORT: port(4003),
  REGISTRY_PORT: port(4004),
  REGISTRY_URL: httpUrl,
  REGISTRY_DATABASE_URL: postgresUrl,
  REGISTRY_DATABASE_APP_URL: postgresUrl,
  LATTICE_SUPERGRAPH_SOURCE: z.enum(['registry', 'file'], { error: 'must be registry or file' }).optional(),
  LATTICE_SAFELIST: z.enum(['off', 'audit', 'enforce'], { error: 'must be off, audit or enforce' }).optional(),
  LATTICE_REGISTRY_POLL_MS: z.coerce.number({ error: 'must be a number of milliseconds' }).int().min(100, 'must be 100 to 60000 ms').max(60_000, 'must be 100 to 60000 ms').optional(),
  LATTICE_OPERATION_FLUSH_MS: z.coerce.number({ error: 'must be a number of milliseconds' }).int().min(100, 'must be 100 to 600000 ms').max(600_000, 'must be 100 to 600000 ms').optional(),
  LATTICE_BUS_OUTAGE_WINDOW_MS: count(100, 60_000, 'ms'),
  IDENTITY_URL: httpUrl,
  TENANCY_URL: httpUrl,
  AUDIT_URL: httpUrl,
  IDENTITY_DATABASE_URL: postgresUrl,
  TENANCY_DATABASE_URL: postgresUrl,
  AUDIT_DATABASE_URL: postgresUrl,
  IDENTITY_DATABASE_APP_URL: postgresUrl,
  TENANCY_DATABASE_APP_URL: postgresUrl,
  AUDIT_DATABASE_APP_URL: postgresUrl,
  // `npm run db:init` (DatabaseInitSettings below).
  LATTICE_DB_ADMIN_URL: postgresUrl,
  LATTICE_DB_OWNER: roleName,
  LATTICE_DB_OWNER_PASSWORD: databasePassword,
  LATTICE_DB_SERVICE_LOGIN: roleName,
  LATTICE_SERVICE_DB_PASSWORD: databasePassword,
  LATTICE_DB_PREFIX: optionalString.refine((v) => v === undefined || /^[a-z][a-z0-9_]{0,40}$/.test(v), { message: 'must match ^[a-z][a-z0-9_]{0,40}$' }),
  REDIS_URL: url(['redis:', 'rediss:']),
  LATTICE_EVENT_NAMESPACE: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, 'must match ^[a-z0-9][a-z0-9_-]{0,39}$')
    .default('lattice'),
  MONGO_URL: url(['mongodb:', 'mongodb+srv:']),
  LATTICE_ADMIN_EMAIL: optionalString.refine((v) => v === undefined || /^[^\s@]+@[^\s@]+$/.test(v), {
    message: 'must be an e-mail address',
  }),
  LATTICE_ADMIN_PASSWORD: optionalString.refine((v) => v === undefined || (v.length >= 12 && v.length <= 128), {
    message: 'must be 12 to 128 characters',
  }),
  LATTICE_CONTEXT_SECRET: optionalString.refine((v) => v === undefined || v.length >= 32, {
    message: 'must be at least 32 characters',
  }),
  LATTICE_ACCESS_TOKEN_TTL: z.coerce
    .number({ error: 'must be a number of seconds' })
    .int()
    .min(60, 'must be at least 60 seconds')
    .max(3600, 'must be at most 3600 seconds (access tokens are short-lived)')
    .default(900),
  LATTICE_SIGNING_KEY_ROTATION_DAYS: z.coerce.number({ error: 'must be a number of days' }).int().min(1, 'must be 1 to 365 days').max(365, 'must be 1 to 365 days').default(30),
  LATTICE_SIGNING_KEY_LEAD_SECONDS: z.coerce
    .number({ error: 'must be a number of seconds' })
    .int()
    .min(1, 'must be 1 to 3600 seconds')
    .max(3600, 'must be 1 to 3600 seconds')
    .default(60),
  LATTICE_LOCKOUT_THRESHOLD: z.coerce.number({ error: 'must be a number of attempts' }).int().min(1, 'must be 1 to 1000').max(1000, 'must be 1 to 1000').default(5),
  LATTICE_LOCKOUT_WINDOW_SECONDS: z.coerce
    .number({ error: 'must be a number of seconds' })
    .int()
    .min(60, 'must be 60 to 86400 seconds')
    .max(86_400, 'must be 60 to 86400 seconds')
    .default(900),
  LATTICE_SIGN_IN_IP_LIMIT: z.coerce.number({ error: 'must be a number of attempts' }).int().min(1, 'must be 1 to 100000').max(100_000, 'must be 1 to 100000').default(50),
  LATTICE_DRAIN_TIMEOUT_MS: z.coerce.number().int().min(0).max(60_000).default(10_000),
  LATTICE_AUDIT_CONSUMER: optionalString.refine((v) => v === undefined || /^[A-Za-z0-9@:._-]{1,100}$/.test(v), {
    message: 'must be 1 to 100 of A-Z a-z 0-9 @ : . _ -',
  }),
  NODE_ENV: optionalString,
  LATTICE_INTROSPECTION: z.enum(['true', 'false'], { error: 'must be true or false' }).optional(),
  LATTICE_SUPERGRAPH_PATH: optionalString,
  LATTICE_SUPERGRAPH_POLL_MS: z.coerce.number({ error: 'must be a number of milliseconds' }).int().min(50, 'must be 50 to 60000 ms').max(60_000, 'must be 50 to 60000 ms').optional(),
  LATTICE_JWKS_URL: httpUrl,
  LATTICE_SUBSCRIPTION_CONNECTIONS_PER_USER: z.coerce.number({ error: 'must be a number' }).int().min(1, 'must be 1 to 100000').max(100_000, 'must be 1 to 100000').optional(),
  LATTICE_SUBSCRIPTION_CONNECTIONS_PER_TENANT: z.coerce.number({ error: 'must be a number' }).int().min(1, 'must be 1 to 1000000').max(1_000_000, 'must be 1 to 1000000').optional(),
  LATTICE_SUBSCRIPTION_KEEPALIVE_MS: count(1_000, 300_000, 'ms'),
  LATTICE_SUBSCRIPTION_INIT_TIMEOUT_MS: z.coerce.number({ error: 'must be a number of milliseconds' }).int().min(100, 'must be 100 to 60000 ms').max(60_000, 'must be 100 to 60000 ms').optional(),
  LATTICE_MAX_TOKENS: count(1, 1_000_000),
  LATTICE_MAX_DEPTH: count(1, 1_000),
  LATTICE_MAX_ALIASES: count(0, 100_000),
  LATTICE_MAX_ROOT_FIELDS: count(1, 10_000),
  LATTICE_MAX_DIRECTIVES_PER_FIELD: count(0, 1_000),
  LATTICE_MAX_COST: count(1, 1_000_000_000),
  LATTICE_COST_DEFAULT_LIST_SIZE: count(1, 100_000),
  LATTICE_BATCHING: onOff,
  LATTICE_MAX_BATCH_SIZE: count(1, 1_000),
  LATTICE_RATE_LIMIT: onOff,
  LATTICE_RATE_LIMIT_TENANT_PER_SECOND: count(1, 1_000_000),
  LATTICE_RATE_LIMIT_TENANT_BURST: count(1, 10_000_000),
  LATTICE_RATE_LIMIT_USER_PER_SECOND: count(1, 1_000_000),
  LATTICE_RATE_LIMIT_USER_BURST: count(1, 10_000_000),
  LATTICE_RATE_LIMIT_API_KEY_PER_SECOND: count(1, 1_000_000),
  LATTICE_RATE_LIMIT_API_KEY_BURST: count(1, 10_000_000),
  LATTICE_IDEMPOTENCY_TTL_SECONDS: count(60, 7 * 86_400, 'seconds'),
  LATTICE_SUBGRAPH_TIMEOUT_MS: count(50, 600_000, 'ms'),
  LATTICE_BREAKER_FAILURES: count(1, 10_000),
  LATTICE_BREAKER_OPEN_MS: count(100, 600_000, 'ms'),
  LATTICE_METRICS_PORT: z.coerce.number({ error: 'must be a port number' }).int('must be an integer').min(0, 'must be 0..65535').max(65535, 'must be 0..65535').optional(),
  OTEL_EXPORTER_OTLP_ENDPOINT: httpUrl,
  OTEL_SERVICE_NAME: optionalString,
  LATTICE_JWT_ISSUER: optionalString,
  LATTICE_JWT_AUDIENCE: optionalString,
});

type Env = z.infer<typeof envSchema>;

/** Every variable the schema knows, for tools that check a deployment's environment (compose:check). */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(envSchema.shape);

const SECRET_VARIABLES = new Set<string>(['LATTICE_CONTEXT_SECRET', 'LATTICE_ADMIN_PASSWORD', 'LATTICE_DB_OWNER_PASSWORD', 'LATTICE_SERVICE_DB_PASSWORD']);

/** What each distributed service cannot start without; the embedded platform needs none of it. */
const REQUIRED: Record<ServiceRole, readonly (keyof Env)[]> = {
  platform: [],
  gateway: ['IDENTITY_URL', 'TENANCY_URL', 'AUDIT_URL', 'LATTICE_CONTEXT_SECRET', 'REDIS_URL'],
  identity: ['IDENTITY_DATABASE_URL', 'TENANCY_URL', 'LATTICE_CONTEXT_SECRET', 'REDIS_URL'],
  tenancy: ['TENANCY_DATABASE_URL', 'LATTICE_CONTEXT_SECRET', 'REDIS_URL'],
  audit: ['AUDIT_DATABASE_URL', 'LATTICE_CONTEXT_SECRET', 'REDIS_URL'],
  registry: ['REGISTRY_DATABASE_URL', 'LATTICE_CONTEXT_SECRET', 'REDIS_URL'],
};

/** Parses the environment once. Every invalid or missing variable is reported in a single ConfigError. */
export function parseConfig(env: Readonly<Record<string, string | undefined>>, role: ServiceRole, options: ServiceOptions = {}): LatticeConfig {
  const result = envSchema.safeParse(env);
  const problems: string[] = result.success ? [] : issueProblems(result.error.issues, env);
  // A gateway in front of someone else's subgraphs needs nothing but the file (README, "Lattice's gateway in front of your own subgraphs").
  const required = role === 'gateway' && options.supergraphPath !== undefined ? [] : REQUIRED[role];
  for (const name of required) {
    const raw = env[name];
    if (raw === undefined || raw.trim() === '') problems.push(`${name}: required when starting the ${role} service`);
  }
  if (role === 'gateway' && env.LATTICE_SUPERGRAPH_SOURCE === 'registry' && !env.REGISTRY_URL?.trim()) {
    problems.push('REGISTRY_URL: required when LATTICE_SUPERGRAPH_SOURCE=registry');
  }
  const subgraphTimeouts = parseSubgraphTimeouts(env, problems);
  if (problems.length > 0 || !result.success) throw new ConfigError(problems);
  const e = result.data;
  const { limits, rateLimit: rate } = GATEWAY_DEFAULTS;
  // The all-in-one platform serves its subgraphs on loopback; unset ports pick any free one so two platforms never clash.
  const subgraphPort = (name: keyof Env, value: number) => (role === 'platform' && env[name] === undefined ? 0 : value);
  return {
    role,
    host: e.HOST,
    port: e.PORT,
    dataDir: e.LATTICE_DATA_DIR,
    logLevel: e.LOG_LEVEL,
    subgraphs: {
      identity: {
        port: subgraphPort('IDENTITY_PORT', e.IDENTITY_PORT),
        url: e.IDENTITY_URL,
        databaseUrl: e.IDENTITY_DATABASE_URL,
        appDatabaseUrl: e.IDENTITY_DATABASE_APP_URL,
      },
      tenancy: {
        port: subgraphPort('TENANCY_PORT', e.TENANCY_PORT),
        url: e.TENANCY_URL,
        databaseUrl: e.TENANCY_DATABASE_URL,
        appDatabaseUrl: e.TENANCY_DATABASE_APP_URL,
      },
      // The audit store has no row-level security; its app login is held to what the store does (append, read, cut).
      audit: { port: subgraphPort('AUDIT_PORT', e.AUDIT_PORT), url: e.AUDIT_URL, databaseUrl: e.AUDIT_DATABASE_URL, appDatabaseUrl: e.AUDIT_DATABASE_APP_URL },
    },
    registry: {
      port: subgraphPort('REGISTRY_PORT', e.REGISTRY_PORT),
      url: e.REGISTRY_URL,
      databaseUrl: e.REGISTRY_DATABASE_URL,
      appDatabaseUrl: e.REGISTRY_DATABASE_APP_URL,
    },
    redisUrl: e.REDIS_URL,
    eventNamespace: e.LATTICE_EVENT_NAMESPACE,
    mongoUrl: e.MONGO_URL,
    admin: { email: e.LATTICE_ADMIN_EMAIL, password: e.LATTICE_ADMIN_PASSWORD },
    contextSecret: e.LATTICE_CONTEXT_SECRET,
    accessTokenTtlSeconds: e.LATTICE_ACCESS_TOKEN_TTL,
    signingKeys: { rotationDays: e.LATTICE_SIGNING_KEY_ROTATION_DAYS, leadSeconds: e.LATTICE_SIGNING_KEY_LEAD_SECONDS },
    signInThrottle: { accountThreshold: e.LATTICE_LOCKOUT_THRESHOLD, ipLimit: e.LATTICE_SIGN_IN_IP_LIMIT, windowSeconds: e.LATTICE_LOCKOUT_WINDOW_SECONDS },
    drainTimeoutMs: e.LATTICE_DRAIN_TIMEOUT_MS,
    auditConsumer: e.LATTICE_AUDIT_CONSUMER,
    introspection: e.LATTICE_INTROSPECTION === undefined ? e.NODE_ENV !== 'production' : e.LATTICE_INTROSPECTION === 'true',
    gateway: {
      ...GATEWAY_DEFAULTS,
      supergraphPath: options.supergraphPath ?? e.LATTICE_SUPERGRAPH_PATH,
      foreignSupergraph: options.supergraphPath !== undefined,
      supergraphPollMs: e.LATTICE_SUPERGRAPH_POLL_MS ?? GATEWAY_DEFAULTS.supergraphPollMs,
      supergraphSource: e.LATTICE_SUPERGRAPH_SOURCE ?? (role === 'platform' ? 'registry' : 'file'),
      safelist: e.LATTICE_SAFELIST ?? GATEWAY_DEFAULTS.safelist,
      registry: { ...GATEWAY_DEFAULTS.registry, pollMs: e.LATTICE_REGISTRY_POLL_MS ?? GATEWAY_DEFAULTS.registry.pollMs },
      operationReporting: { ...GATEWAY_DEFAULTS.operationReporting, flushMs: e.LATTICE_OPERATION_FLUSH_MS ?? GATEWAY_DEFAULTS.operationReporting.flushMs },
      busOutageWindowMs: e.LATTICE_BUS_OUTAGE_WINDOW_MS ?? GATEWAY_DEFAULTS.busOutageWindowMs,
      jwt: { jwksUrl: e.LATTICE_JWKS_URL, issuer: e.LATTICE_JWT_ISSUER, audience: e.LATTICE_JWT_AUDIENCE },
      subscriptions: {
        ...GATEWAY_DEFAULTS.subscriptions,
        initTimeoutMs: e.LATTICE_SUBSCRIPTION_INIT_TIMEOUT_MS ?? GATEWAY_DEFAULTS.subscriptions.initTimeoutMs,
        keepAliveMs: e.LATTICE_SUBSCRIPTION_KEEPALIVE_MS ?? GATEWAY_DEFAULTS.subscriptions.keepAliveMs,
        maxConnectionsPerUser: e.LATTICE_SUBSCRIPTION_CONNECTIONS_PER_USER ?? GATEWAY_DEFAULTS.subscriptions.maxConnectionsPerUser,
        maxConnectionsPerTenant: e.LATTICE_SUBSCRIPTION_CONNECTIONS_PER_TENANT ?? GATEWAY_DEFAULTS.subscriptions.maxConnectionsPerTenant,
      },
      limits: {
        maxTokens: e.LATTICE_MAX_TOKENS ?? limits.maxTokens,
        maxDepth: e.LATTICE_MAX_DEPTH ?? limits.maxDepth,
        maxAliases: e.LATTICE_MAX_ALIASES ?? limits.maxAliases,
        maxRootFields: e.LATTICE_MAX_ROOT_FIELDS ?? limits.maxRootFields,
        maxDirectivesPerField: e.LATTICE_MAX_DIRECTIVES_PER_FIELD ?? limits.maxDirectivesPerField,
        maxCost: e.LATTICE_MAX_COST ?? limits.maxCost,
        defaultListSize: e.LATTICE_COST_DEFAULT_LIST_SIZE ?? limits.defaultListSize,
        batching: { enabled: e.LATTICE_BATCHING === 'on', maxBatchSize: e.LATTICE_MAX_BATCH_SIZE ?? limits.batching.maxBatchSize },
      },
      rateLimit: {
        ...rate,
        enabled: e.LATTICE_RATE_LIMIT !== 'off',
        tenant: { perSecond: e.LATTICE_RATE_LIMIT_TENANT_PER_SECOND ?? rate.tenant.perSecond, burst: e.LATTICE_RATE_LIMIT_TENANT_BURST ?? rate.tenant.burst },
        user: { perSecond: e.LATTICE_RATE_LIMIT_USER_PER_SECOND ?? rate.user.perSecond, burst: e.LATTICE_RATE_LIMIT_USER_BURST ?? rate.user.burst },
        apiKey: { perSecond: e.LATTICE_RATE_LIMIT_API_KEY_PER_SECOND ?? rate.apiKey.perSecond, burst: e.LATTICE_RATE_LIMIT_API_KEY_BURST ?? rate.apiKey.burst },
      },
      idempotency: { ...GATEWAY_DEFAULTS.idempotency, ttlSeconds: e.LATTICE_IDEMPOTENCY_TTL_SECONDS ?? GATEWAY_DEFAULTS.idempotency.ttlSeconds },
      subgraphCalls: {
        timeoutMs: e.LATTICE_SUBGRAPH_TIMEOUT_MS ?? GATEWAY_DEFAULTS.subgraphCalls.timeoutMs,
        timeoutsMs: subgraphTimeouts,
        breaker: {
          failureThreshold: e.LATTICE_BREAKER_FAILURES ?? GATEWAY_DEFAULTS.subgraphCalls.breaker.failureThreshold,
          openMs: e.LATTICE_BREAKER_OPEN_MS ?? GATEWAY_DEFAULTS.subgraphCalls.breaker.openMs,
        },
      },
    },
    metricsPort: e.LATTICE_METRICS_PORT,
    tracing: { otlpEndpoint: e.OTEL_EXPORTER_OTLP_ENDPOINT, serviceName: e.OTEL_SERVICE_NAME },
  };
}

const SUBGRAPH_TIMEOUT_PREFIX = 'LATTICE_SUBGRAPH_TIMEOUT_MS_';

/**
 * LATTICE_SUBGRAPH_TIMEOUT_MS_<NAME>: one subgraph's fetch timeout, by its supergraph name (TENANCY → tenancy; a
 * foreign subgraph's name as its supergraph spells it, upper-cased). Problems are added to `problems`.
 */
function parseSubgraphTimeouts(env: Readonly<Record<string, string | undefined>>, problems: string[]): Record<string, number> {
  const timeouts: Record<string, number> = {};
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith(SUBGRAPH_TIMEOUT_PREFIX) || raw === undefined) continue;
    const graph = name.slice(SUBGRAPH_TIMEOUT_PREFIX.length).toLowerCase();
    const value = Number(raw.trim());
    if (graph === '' || !/^[a-z0-9_]+$/.test(graph)) problems.push(`${name}: must name a subgraph after ${SUBGRAPH_TIMEOUT_PREFIX} (got ${JSON.stringify(name)})`);
    else if (!Number.isInteger(value) || value < 50 || value > 600_000) problems.push(`${name}: must be 50 to 600000 ms (got ${JSON.stringify(raw)})`);
    else timeouts[graph] = value;
  }
  return timeouts;
}

/** What a command line adds to the environment: `start:gateway -- --supergraph FILE`. */
export interface ServiceOptions {
  supergraphPath?: string;
}

function issueProblems(issues: readonly z.core.$ZodIssue[], env: Readonly<Record<string, string | undefined>>): string[] {
  return issues.map((issue) => {
    const name = issue.path.join('.');
    // Secrets are named, never echoed.
    const got = SECRET_VARIABLES.has(name) ? `${env[name]?.length ?? 0} characters` : JSON.stringify(env[name]?.replace(/\/\/[^/@]*@/, '//***@') ?? null);
    return `${name}: ${issue.message} (got ${got})`;
  });
}

/** `npm run db:init`: the administrator connection it works through, and the logins and databases it makes. */
export interface DatabaseInitSettings {
  /** LATTICE_DB_ADMIN_URL: a superuser (creates roles and databases, reads password verifiers). */
  adminUrl: string;
  /** LATTICE_DB_OWNER (default lattice_owner) and LATTICE_DB_OWNER_PASSWORD: owns the databases, runs migrations. */
  owner: { name: string; password: string | undefined };
  /** LATTICE_DB_SERVICE_LOGIN (default lattice_service) and LATTICE_SERVICE_DB_PASSWORD: what the services run as. */
  service: { name: string; password: string | undefined };
  /** LATTICE_DB_PREFIX (default lattice): the databases are `<prefix>_identity`, `_tenancy`, `_audit`, `_registry`. */
  databasePrefix: string;
}

export const DEFAULT_DB_ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

/** The passwords may be unset: db:init needs each only to create its login, and says so then. */
export function parseDatabaseInitConfig(env: Readonly<Record<string, string | undefined>>): DatabaseInitSettings {
  const result = envSchema.safeParse(env);
  if (!result.success) throw new ConfigError(issueProblems(result.error.issues, env));
  const e = result.data;
  const owner = e.LATTICE_DB_OWNER ?? 'lattice_owner';
  const service = e.LATTICE_DB_SERVICE_LOGIN ?? 'lattice_service';
  if (owner === service) throw new ConfigError([`LATTICE_DB_SERVICE_LOGIN: must differ from LATTICE_DB_OWNER (got "${service}" for both)`]);
  return {
    adminUrl: e.LATTICE_DB_ADMIN_URL ?? DEFAULT_DB_ADMIN_URL,
    owner: { name: owner, password: e.LATTICE_DB_OWNER_PASSWORD },
    service: { name: service, password: e.LATTICE_SERVICE_DB_PASSWORD },
    databasePrefix: e.LATTICE_DB_PREFIX ?? 'lattice',
  };
}

/** db:init's variables from process.env, as loadConfig reads the services'. */
export function loadDatabaseInitConfig(): DatabaseInitSettings {
  return parseDatabaseInitConfig(process.env);
}

/** The one place that reads process.env. */
export function loadConfig(role: ServiceRole, options: ServiceOptions = {}): LatticeConfig {
  return parseConfig(process.env, role, options);
}
