import { ConfigError, parseConfig } from './config';

describe('configuration', () => {
  it('starts the embedded platform with no variables at all', () => {
    const config = parseConfig({}, 'platform');
    expect(config).toMatchObject({ port: 4000, host: '127.0.0.1', dataDir: '.lattice', redisUrl: undefined, accessTokenTtlSeconds: 900 });
    expect(config.subgraphs.identity).toEqual({ port: 0, url: undefined, databaseUrl: undefined, appDatabaseUrl: undefined });
  });

  it('reports every invalid variable in one error, naming each and what it got', () => {
    let error: unknown;
    try {
      parseConfig({ PORT: 'eighty', REDIS_URL: 'http://x', LATTICE_CONTEXT_SECRET: 'short', LATTICE_ACCESS_TOKEN_TTL: '86400' }, 'platform');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const { problems } = error as ConfigError;
    expect(problems).toHaveLength(4);
    expect(problems.join('\n')).toMatch(/PORT: must be a port number \(got "eighty"\)/);
    expect(problems.join('\n')).toMatch(/REDIS_URL: must be a URL starting with redis:\/\//);
    expect(problems.join('\n')).toMatch(/LATTICE_ACCESS_TOKEN_TTL: must be at most 3600 seconds/);
  });

  it('starts with every protection on: operation limits, rate limits, no batches, subgraph timeouts', () => {
    const { gateway } = parseConfig({}, 'platform');
    expect(gateway.limits).toMatchObject({ maxTokens: 5000, maxDepth: 12, maxAliases: 30, maxRootFields: 20, maxCost: 50_000, batching: { enabled: false } });
    expect(gateway.rateLimit).toMatchObject({ enabled: true, user: { perSecond: 100, burst: 200 } });
    expect(gateway.subgraphCalls).toMatchObject({ timeoutMs: 10_000, breaker: { failureThreshold: 5, openMs: 5_000 } });
  });

  it('reads limits, buckets and per-subgraph timeouts from the environment', () => {
    const { gateway } = parseConfig(
      { LATTICE_MAX_DEPTH: '8', LATTICE_BATCHING: 'on', LATTICE_MAX_BATCH_SIZE: '5', LATTICE_RATE_LIMIT_API_KEY_PER_SECOND: '7', LATTICE_SUBGRAPH_TIMEOUT_MS_TENANCY: '1500', LATTICE_RATE_LIMIT: 'off' },
      'platform',
    );
    expect(gateway.limits).toMatchObject({ maxDepth: 8, batching: { enabled: true, maxBatchSize: 5 } });
    expect(gateway.rateLimit).toMatchObject({ enabled: false, apiKey: { perSecond: 7, burst: 200 } });
    expect(gateway.subgraphCalls.timeoutsMs).toEqual({ tenancy: 1500 });
  });

  it('refuses to start on a limit, bucket or timeout out of range, naming the variable and the range', () => {
    let error: unknown;
    try {
      parseConfig({ LATTICE_MAX_DEPTH: '0', LATTICE_MAX_COST: 'lots', LATTICE_RATE_LIMIT_USER_BURST: '-1', LATTICE_BATCHING: 'yes', LATTICE_SUBGRAPH_TIMEOUT_MS_AUDIT: '10', LATTICE_SUBGRAPH_TIMEOUT_MS_: '100' }, 'platform');
    } catch (e) {
      error = e;
    }
    const problems = (error as ConfigError).problems.join('\n');
    expect(problems).toMatch(/LATTICE_MAX_DEPTH: must be 1 to 1000 \(got "0"\)/);
    expect(problems).toMatch(/LATTICE_MAX_COST: must be a number/);
    expect(problems).toMatch(/LATTICE_RATE_LIMIT_USER_BURST: must be 1 to 10000000/);
    expect(problems).toMatch(/LATTICE_BATCHING: must be on or off/);
    expect(problems).toMatch(/LATTICE_SUBGRAPH_TIMEOUT_MS_AUDIT: must be 50 to 600000 ms/);
    expect(problems).toMatch(/LATTICE_SUBGRAPH_TIMEOUT_MS_: must name a subgraph/);
  });

  it('never echoes a secret it rejects', () => {
    expect(() => parseConfig({ LATTICE_CONTEXT_SECRET: 'too-short-secret' }, 'platform')).toThrow(/LATTICE_CONTEXT_SECRET: must be at least 32 characters/);
    try {
      parseConfig({ LATTICE_CONTEXT_SECRET: 'too-short-secret', LATTICE_ADMIN_PASSWORD: 'short-pass' }, 'platform');
    } catch (error) {
      expect((error as Error).message).not.toMatch(/too-short-secret|short-pass/);
    }
  });

  it('masks credentials inside a rejected URL', () => {
    expect(() => parseConfig({ REDIS_URL: 'http://user:hunter2@redis:6379' }, 'platform')).toThrow(/got "http:\/\/\*\*\*@redis:6379"/);
  });

  it('requires what each distributed service needs to start', () => {
    expect(() => parseConfig({}, 'identity')).toThrow(/IDENTITY_DATABASE_URL: required when starting the identity service/);
    expect(() => parseConfig({}, 'gateway')).toThrow(/IDENTITY_URL: required[\s\S]*TENANCY_URL: required[\s\S]*AUDIT_URL: required/);
  });

  it('keeps configured subgraph ports in distributed mode and fixed defaults when unset', () => {
    const config = parseConfig(
      { TENANCY_DATABASE_URL: 'postgres://db/tenancy', LATTICE_CONTEXT_SECRET: 'x'.repeat(32), REDIS_URL: 'redis://r:6379' },
      'tenancy',
    );
    expect(config.subgraphs.tenancy).toEqual({ port: 4002, url: undefined, databaseUrl: 'postgres://db/tenancy', appDatabaseUrl: undefined });
  });

  it('names the audit consumer after LATTICE_AUDIT_CONSUMER, and refuses one that is no plain name', () => {
    expect(parseConfig({ LATTICE_AUDIT_CONSUMER: 'audit-0' }, 'platform').auditConsumer).toBe('audit-0');
    expect(parseConfig({}, 'platform').auditConsumer).toBeUndefined();
    expect(() => parseConfig({ LATTICE_AUDIT_CONSUMER: 'audit 0' }, 'platform')).toThrow(/LATTICE_AUDIT_CONSUMER: must be 1 to 100 of/);
  });

  it('turns introspection off with NODE_ENV=production unless LATTICE_INTROSPECTION says otherwise', () => {
    expect(parseConfig({}, 'platform').introspection).toBe(true);
    expect(parseConfig({ NODE_ENV: 'production' }, 'platform').introspection).toBe(false);
    expect(parseConfig({ NODE_ENV: 'production', LATTICE_INTROSPECTION: 'true' }, 'platform').introspection).toBe(true);
    expect(parseConfig({ LATTICE_INTROSPECTION: 'false' }, 'platform').introspection).toBe(false);
    expect(() => parseConfig({ LATTICE_INTROSPECTION: 'yes' }, 'platform')).toThrow(/LATTICE_INTROSPECTION: must be true or false/);
  });

  it('starts a gateway in front of any supergraph with nothing configured but the file', () => {
    const config = parseConfig({}, 'gateway', { supergraphPath: 'their/supergraph.graphql' });
    expect(config.gateway).toMatchObject({ supergraphPath: 'their/supergraph.graphql', foreignSupergraph: true, jwt: { jwksUrl: undefined } });
    expect(config.contextSecret).toBeUndefined();
  });

  it('holds every gateway tunable with its default, and watches LATTICE_SUPERGRAPH_PATH', () => {
    const config = parseConfig({ LATTICE_SUPERGRAPH_PATH: '/srv/supergraph.graphql', LATTICE_JWKS_URL: 'https://idp.example/jwks.json', LATTICE_JWT_ISSUER: 'https://idp.example/' }, 'platform');
    expect(config.gateway).toMatchObject({
      supergraphPath: '/srv/supergraph.graphql',
      foreignSupergraph: false,
      supergraphPollMs: 1_000,
      jwt: { jwksUrl: 'https://idp.example/jwks.json', issuer: 'https://idp.example/', audience: undefined },
      timeouts: { tenantStatusMs: 3_000, apiKeyVerifyMs: 3_000, jwksFetchMs: 5_000, readinessCheckMs: 2_000 },
      caches: { tenantStatuses: 10_000, apiKeys: 10_000, verifiedTokens: 10_000, revocations: 100_000 },
    });
    expect(() => parseConfig({ LATTICE_SUPERGRAPH_POLL_MS: '5' }, 'platform')).toThrow(/LATTICE_SUPERGRAPH_POLL_MS: must be 50 to 60000 ms/);
  });

  it('takes the subscription limits from the environment, keeping the defaults for the rest', () => {
    const config = parseConfig({ LATTICE_SUBSCRIPTION_INIT_TIMEOUT_MS: '1500', LATTICE_SUBSCRIPTION_CONNECTIONS_PER_USER: '3' }, 'platform');
    expect(config.gateway.subscriptions).toMatchObject({ initTimeoutMs: 1_500, maxConnectionsPerUser: 3, maxConnectionsPerTenant: 10_000, maxSubscriptionsPerConnection: 25 });
    expect(() => parseConfig({ LATTICE_SUBSCRIPTION_INIT_TIMEOUT_MS: '10' }, 'platform')).toThrow(/LATTICE_SUBSCRIPTION_INIT_TIMEOUT_MS: must be 100 to 60000 ms/);
  });

  it('trusts caches for 5 s while the event bus is down unless LATTICE_BUS_OUTAGE_WINDOW_MS says otherwise, and refuses a window out of range', () => {
    expect(parseConfig({}, 'platform').gateway.busOutageWindowMs).toBe(5_000);
    expect(parseConfig({ LATTICE_BUS_OUTAGE_WINDOW_MS: '2000' }, 'gateway', { supergraphPath: 'x.graphql' }).gateway.busOutageWindowMs).toBe(2_000);
    expect(() => parseConfig({ LATTICE_BUS_OUTAGE_WINDOW_MS: '50' }, 'platform')).toThrow(/LATTICE_BUS_OUTAGE_WINDOW_MS: must be 100 to 60000 ms \(got "50"\)/);
    expect(() => parseConfig({ LATTICE_BUS_OUTAGE_WINDOW_MS: '600000' }, 'platform')).toThrow(/LATTICE_BUS_OUTAGE_WINDOW_MS: must be 100 to 60000 ms/);
  });
});
