import { API_KEY_MAX_LIFETIME_MS, checkApiKeyPermissions, resolveApiKeyExpiry, validateApiKeyName } from './api-key-rules';
import { apiKeyMatches, issueApiKey } from './api-key-secret';
import { hashApiKey, parseApiKey } from '../../../infrastructure/authorization/api-key';
import type { LatticeError } from '../../../infrastructure/errors/error-codes';

const NOW = new Date('2030-01-01T00:00:00Z');

/** The code, field and message a rule refused with. */
function refusal(run: () => unknown): { code: unknown; field: unknown; message: string } {
  try {
    run();
  } catch (error) {
    const { extensions, message } = error as LatticeError;
    return { code: extensions.code, field: extensions.field, message };
  }
  throw new Error('expected a refusal');
}
const TENANT_ADMIN = ['apikeys:read', 'apikeys:write', 'users:read', 'users:write'];

describe('API key rules', () => {
  it('gives a key only registered permissions its creator holds, sorted and without duplicates', () => {
    expect(checkApiKeyPermissions('input.permissions', ['users:write', 'users:read', 'users:read'], TENANT_ADMIN)).toEqual(['users:read', 'users:write']);
  });

  it('refuses a permission the creator lacks with FORBIDDEN naming it', () => {
    expect(refusal(() => checkApiKeyPermissions('input.permissions', ['users:read', 'audit:read'], TENANT_ADMIN))).toMatchObject({
      code: 'FORBIDDEN',
      message: expect.stringContaining('audit:read'),
    });
  });

  it('refuses an unregistered permission or an empty list with BAD_USER_INPUT', () => {
    for (const permissions of [['users:read', 'users:delete'], []]) {
      expect(refusal(() => checkApiKeyPermissions('input.permissions', permissions, TENANT_ADMIN))).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.permissions' });
    }
  });

  it('never puts a platform-only permission on a key, even for a creator who holds it', () => {
    expect(refusal(() => checkApiKeyPermissions('input.permissions', ['platform:admin'], ['platform:admin']))).toMatchObject({ code: 'BAD_USER_INPUT' });
  });

  it('defaults the expiry to 90 days and refuses one in the past or more than a year away', () => {
    expect(resolveApiKeyExpiry('input.expiresAt', null, NOW)).toEqual(new Date('2030-04-01T00:00:00Z'));
    for (const at of [new Date(NOW.getTime() - 1), NOW, new Date(NOW.getTime() + API_KEY_MAX_LIFETIME_MS + 1)]) {
      expect(refusal(() => resolveApiKeyExpiry('input.expiresAt', at, NOW))).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.expiresAt' });
    }
    expect(resolveApiKeyExpiry('input.expiresAt', new Date(NOW.getTime() + API_KEY_MAX_LIFETIME_MS), NOW).getTime()).toBe(NOW.getTime() + API_KEY_MAX_LIFETIME_MS);
  });

  it('trims the name and refuses an empty or over-long one', () => {
    expect(validateApiKeyName('input.name', '  ci deploy  ')).toBe('ci deploy');
    for (const name of ['   ', 'x'.repeat(101)]) expect(refusal(() => validateApiKeyName('input.name', name))).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.name' });
  });
});

describe('API key secrets', () => {
  it('issues lat_<id>_<43 base64url chars> keys that carry their id and match only their own hash', () => {
    const id = '0193a1b2-0000-7000-8000-00000000000a';
    const issued = issueApiKey(id);
    expect(issued.key).toMatch(/^lat_[0-9a-f]{32}_[A-Za-z0-9_-]{43}$/);
    expect(parseApiKey(issued.key)?.keyId).toBe(id);
    expect(issued.hash).toBe(hashApiKey(issued.key));
    expect(issued.hash).not.toContain(issued.key.slice(-43));
    expect(apiKeyMatches(issued.key, issued.hash)).toBe(true);
    expect(apiKeyMatches(issueApiKey(id).key, issued.hash)).toBe(false);
    expect(apiKeyMatches(issued.key, 'not-hex')).toBe(false);
  });

  it('never issues the same secret twice', () => {
    const id = '0193a1b2-0000-7000-8000-00000000000a';
    const keys = new Set(Array.from({ length: 100 }, () => issueApiKey(id).key));
    expect(keys.size).toBe(100);
  });
});
