import { matchesEventPattern, parseEventPattern } from './event-pattern';

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
