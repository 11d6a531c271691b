import 'reflect-metadata';
import { parse, validate } from 'graphql';
import { GATEWAY_DEFAULTS } from '../../infrastructure/config/config';
import { loggerOver, type LogFields, type LogLevel } from '../../infrastructure/logging/logger';
import { buildTenancySchema } from '../../subgraphs/tenancy/tenancy-subgraph';
import { OVERRIDES_QUERY, parseOverrides, withOverrides, type OverridesAnswer } from './rate-limit-overrides';

const ACME = '0193a1b2-0000-7000-8000-000000000001';
const defaults = GATEWAY_DEFAULTS.rateLimit;

function recordingLogger() {
  const lines: { level: LogLevel; message: string; fields: LogFields }[] = [];
  return { lines, logger: loggerOver({ write: (level, message, fields) => lines.push({ level, message, fields }) }) };
}

const answer = (values: Record<string, unknown>): OverridesAnswer => Object.fromEntries(Object.entries(values).map(([alias, value]) => [alias, { value }]));

describe("a tenant's rate-limit overrides", () => {
  it('asks tenancy a query its schema accepts: six aliased effectiveConfiguration values for one tenant', async () => {
    const document = parse(OVERRIDES_QUERY);
    expect(validate(await buildTenancySchema(), document)).toEqual([]);
    expect(OVERRIDES_QUERY.match(/effectiveConfiguration\(/g)).toHaveLength(6);
  });

  it('lays whole numbers in range over the defaults, each number on its own', () => {
    const { logger, lines } = recordingLogger();
    const overrides = parseOverrides(answer({ tenantPerSecond: 2_000, userBurst: 400, apiKeyPerSecond: 1, apiKeyBurst: 10_000_000 }), ACME, logger);
    expect(withOverrides(defaults, overrides)).toEqual({
      tenant: { perSecond: 2_000, burst: defaults.tenant.burst },
      user: { perSecond: defaults.user.perSecond, burst: 400 },
      apiKey: { perSecond: 1, burst: 10_000_000 },
    });
    expect(lines).toEqual([]);
  });

  it('keeps the defaults where no level sets a key', () => {
    const { logger } = recordingLogger();
    const overrides = parseOverrides({ tenantPerSecond: null, userBurst: null }, ACME, logger);
    expect(withOverrides(defaults, overrides)).toEqual({ tenant: defaults.tenant, user: defaults.user, apiKey: defaults.apiKey });
  });

  it.each([
    ['userPerSecond', 'gateway.rate_limit.user_per_second', 0],
    ['tenantPerSecond', 'gateway.rate_limit.tenant_per_second', 1_000_001],
    ['tenantBurst', 'gateway.rate_limit.tenant_burst', 10_000_001],
    ['apiKeyBurst', 'gateway.rate_limit.api_key_burst', -5],
  ])('ignores %s out of range (%s = %p) with a warning naming the key and tenant', (alias, key, value) => {
    const { logger, lines } = recordingLogger();
    expect(parseOverrides(answer({ [alias]: value }), ACME, logger)).toEqual({});
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 'warn', fields: { key, tenantId: ACME } });
    expect(lines[0]!.message).toContain(`ignoring configuration ${key} of tenant ${ACME}`);
  });

  it.each([['"50"', '50'], ['2.5', 2.5], ['true', true], ['{"n":50}', { n: 50 }], ['[50]', [50]]])('ignores a value that is not a whole number (%s), and the default applies', (_shown, value) => {
    const { logger, lines } = recordingLogger();
    const overrides = parseOverrides(answer({ userBurst: value, userPerSecond: 7 }), ACME, logger);
    expect(withOverrides(defaults, overrides).user).toEqual({ perSecond: 7, burst: defaults.user.burst });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 'warn', fields: { key: 'gateway.rate_limit.user_burst', tenantId: ACME } });
  });
});
