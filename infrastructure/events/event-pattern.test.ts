import { matchesEventPattern, matchesTenantFilter, parseEventPattern, parseTenantFilter } from './event-pattern';

describe('parseEventPattern', () => {
  it.each([
    ['*', { kind: 'all' }],
    ['tenancy.tenant.created', { kind: 'exact', type: 'tenancy.tenant.created' }],
    ['tenancy', { kind: 'exact', type: 'tenancy' }],
    ['tenancy.*', { kind: 'prefix', prefix: 'tenancy.' }],
    ['identity.api-key.*', { kind: 'prefix', prefix: 'identity.api-key.' }],
  ])('parses %j', (pattern, expected) => {
    expect(parseEventPattern(pattern)).toEqual(expected);
  });

  it.each(['', '.*', 'tenancy*', 'tenancy.', 'a.*.b', '*.created', 'tenancy.**', 'tenancy tenant', 'a..b'])(
    'rejects %j and says which forms are allowed',
    (pattern) => {
      expect(() => parseEventPattern(pattern)).toThrow(/Invalid event pattern .*prefix wildcard/);
    },
  );
});

describe('matchesEventPattern', () => {
  it.each([
    ['*', 'tenancy.tenant.created', true],
    ['tenancy.tenant.created', 'tenancy.tenant.created', true],
    ['tenancy.tenant.created', 'tenancy.tenant.created.v2', false],
    ['tenancy.tenant.created', 'tenancy.tenant.updated', false],
    ['tenancy.*', 'tenancy.tenant.created', true],
    ['tenancy.*', 'tenancy.member', true],
    ['tenancy.*', 'tenancy', false],
    ['tenancy.*', 'tenancyx.tenant.created', false],
    ['tenancy.*', 'identity.user.created', false],
    ['tenancy.tenant.*', 'tenancy.tenant.created', true],
    ['tenancy.tenant.*', 'tenancy.member.added', false],
  ])('%j matches %j: %j', (pattern, type, expected) => {
    expect(matchesEventPattern(parseEventPattern(pattern), type)).toBe(expected);
  });
});

describe('parseTenantFilter', () => {
  it.each([
    [undefined, { kind: 'every' }],
    [{}, { kind: 'every' }],
    [{ tenantId: undefined }, { kind: 'every' }],
    [{ tenantId: null }, { kind: 'one', tenantId: null }],
    [{ tenantId: 'acme' }, { kind: 'one', tenantId: 'acme' }],
  ])('reads %j as %j', (options, expected) => {
    expect(parseTenantFilter(options)).toEqual(expected);
  });

  it('rejects a tenantId that is neither a string nor null and says what is allowed', () => {
    expect(() => parseTenantFilter({ tenantId: 7 as unknown as string })).toThrow(/Invalid tenantId 7: use a tenant id string, null for platform events/);
  });
});

describe('matchesTenantFilter', () => {
  it.each([
    [undefined, 'acme', true],
    [undefined, null, true],
    [{ tenantId: 'acme' }, 'acme', true],
    [{ tenantId: 'acme' }, 'globex', false],
    [{ tenantId: 'acme' }, null, false],
    [{ tenantId: null }, null, true],
    [{ tenantId: null }, 'acme', false],
    // A tenant whose id is literally 'platform' is still not a platform event.
    [{ tenantId: null }, 'platform', false],
  ])('options %j hear tenant %j: %j', (options, tenantId, expected) => {
    expect(matchesTenantFilter(parseTenantFilter(options), tenantId)).toBe(expected);
  });
});
