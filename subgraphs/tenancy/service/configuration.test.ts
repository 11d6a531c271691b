import {
  CONFIGURATION_VALUE_MAX_BYTES,
  requireMayWriteKey,
  resolveEffective,
  slotId,
  validateConfigurationKey,
  validateConfigurationValue,
  type ConfigurationEntry,
  type ConfigurationLevel,
} from './configuration';

const entry = (level: ConfigurationLevel, value: ConfigurationEntry['value']): ConfigurationEntry => ({
  level,
  scopeId: level === 'GLOBAL' ? null : `${level.toLowerCase()}-1`,
  tenantId: level === 'GLOBAL' ? null : 't1',
  key: 'k',
  value,
  version: 1,
  updatedAt: new Date(),
  updatedBy: 'u1',
});

describe('configuration keys', () => {
  it.each([
    ['a single letter', 'a'],
    ['dots and dashes', 'billing.invoice-prefix'],
    ['underscores and digits', 'feature_flags.v2'],
    ['128 characters', `a${'b'.repeat(127)}`],
  ])('accepts %s', (_, key) => {
    expect(validateConfigurationKey('input.key', key)).toBe(key);
  });

  it.each([
    ['an empty key', ''],
    ['capitals', 'Billing'],
    ['a leading digit', '1st'],
    ['a leading dash', '-x'],
    ['spaces', 'has space'],
    ['non-ASCII letters', 'ünïcode'],
    ['129 characters', `a${'b'.repeat(128)}`],
  ])('refuses %s with BAD_USER_INPUT naming the field and the pattern', (_, key) => {
    let refusal: unknown;
    try {
      validateConfigurationKey('input.key', key);
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'input.key' } });
    expect(() => validateConfigurationKey('input.key', key)).toThrow('input.key: must match ^[a-z][a-z0-9_.-]{0,127}$ (got "');
  });

  it('shows a long refused key truncated, with its length', () => {
    expect(() => validateConfigurationKey('input.key', 'X'.repeat(500))).toThrow(`(got ${JSON.stringify(`${'X'.repeat(64)}…`)} (500 characters))`);
  });
});

describe('platform keys', () => {
  const tenantAdmin = { kind: 'USER' as const, subject: 'u1', tenantId: 't1', roles: ['tenant-admin'], permissions: ['config:write', 'config:read'] };
  const platformAdmin = { kind: 'USER' as const, subject: 'root', tenantId: null, roles: [], permissions: ['platform:admin'] };

  it("refuses a tenant admin a gateway.* key, so a tenant cannot raise its own rate limits", () => {
    expect(() => requireMayWriteKey(tenantAdmin, 'gateway.rate_limit.user_per_second')).toThrow(/keys under "gateway\." are set by platform administrators/);
    expect(() => requireMayWriteKey(platformAdmin, 'gateway.rate_limit.user_per_second')).not.toThrow();
    expect(() => requireMayWriteKey(tenantAdmin, 'billing.gateway.prefix')).not.toThrow();
  });
});

describe('configuration values', () => {
  it('accepts any JSON value up to 65536 bytes serialized, and says how big it is', () => {
    for (const value of [true, 0, 'text', [1, 'two'], { nested: { deep: [null] } }]) {
      expect(validateConfigurationValue('input.value', value)).toEqual({ json: JSON.stringify(value), bytes: Buffer.byteLength(JSON.stringify(value)) });
    }
    const exactly = 'x'.repeat(CONFIGURATION_VALUE_MAX_BYTES - 2);
    expect(validateConfigurationValue('input.value', exactly).bytes).toBe(65_536);
  });

  it('counts bytes of UTF-8, not characters', () => {
    const euros = '€'.repeat(21_846); // 3 bytes each: 65538 + 2 quotes
    expect(() => validateConfigurationValue('input.value', euros)).toThrow('input.value: must be at most 65536 bytes of JSON (got 65540)');
  });

  it('refuses U+0000, which jsonb cannot store, but not a literal backslash-u sequence', () => {
    expect(() => validateConfigurationValue('input.value', { a: 'x\u0000y' })).toThrow(/must not contain the character U\+0000/);
    expect(() => validateConfigurationValue('input.value', { 'k\u0000': 1 })).toThrow(/U\+0000/);
    expect(validateConfigurationValue('input.value', '\\u0000').json).toBe('"\\\\u0000"');
  });
});

describe('effective configuration', () => {
  const all = { DEPARTMENT: entry('DEPARTMENT', 'd'), ORGANIZATION: entry('ORGANIZATION', 'o'), TENANT: entry('TENANT', 't'), GLOBAL: entry('GLOBAL', 'g') };

  it('takes the department value over the organization, tenant and global ones', () => {
    expect(resolveEffective('k', all)).toEqual({ key: 'k', value: 'd', level: 'DEPARTMENT' });
  });

  it('falls back one level at a time and reports the level the value came from', () => {
    expect(resolveEffective('k', { ...all, DEPARTMENT: null })).toEqual({ key: 'k', value: 'o', level: 'ORGANIZATION' });
    expect(resolveEffective('k', { ...all, DEPARTMENT: null, ORGANIZATION: null })).toEqual({ key: 'k', value: 't', level: 'TENANT' });
    expect(resolveEffective('k', { DEPARTMENT: null, ORGANIZATION: null, TENANT: null, GLOBAL: all.GLOBAL })).toEqual({ key: 'k', value: 'g', level: 'GLOBAL' });
  });

  it('skips levels that are not in the chain, and answers null when no level sets the key', () => {
    expect(resolveEffective('k', { TENANT: null, GLOBAL: all.GLOBAL })).toMatchObject({ level: 'GLOBAL' });
    expect(resolveEffective('k', { DEPARTMENT: null, ORGANIZATION: null, TENANT: null, GLOBAL: null })).toBeNull();
    expect(resolveEffective('k', {})).toBeNull();
  });

  it('treats a stored false, 0 or empty string as a value, not as absent', () => {
    expect(resolveEffective('k', { DEPARTMENT: entry('DEPARTMENT', false), GLOBAL: all.GLOBAL })).toMatchObject({ value: false, level: 'DEPARTMENT' });
    expect(resolveEffective('k', { TENANT: entry('TENANT', 0), GLOBAL: all.GLOBAL })).toMatchObject({ value: 0, level: 'TENANT' });
  });

  it('names slots the way their events name the aggregate', () => {
    expect(slotId({ level: 'GLOBAL', scopeId: null, key: 'a.b' })).toBe('GLOBAL:global:a.b');
    expect(slotId({ level: 'DEPARTMENT', scopeId: 'd1', key: 'a.b' })).toBe('DEPARTMENT:d1:a.b');
  });
});
