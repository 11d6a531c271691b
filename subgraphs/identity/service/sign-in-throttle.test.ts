import type { ThrottleCounter } from '../store/sign-in-throttle-store';
import { accountKeyOf, ipKeyOf, verdictOf, type SignInThrottleSettings } from './sign-in-throttle';

const SETTINGS: SignInThrottleSettings = { accountThreshold: 5, ipLimit: 50, windowSeconds: 900 };

describe('sign-in throttle keys', () => {
  it('gives one account one key, and different tenants, unknown slugs and the platform different ones', () => {
    const keys = [
      accountKeyOf({ tenantId: 't-1' }, 'ada@example.test'),
      accountKeyOf({ tenantId: 't-2' }, 'ada@example.test'),
      accountKeyOf({ unknownTenantSlug: 'acme' }, 'ada@example.test'),
      accountKeyOf('platform', 'ada@example.test'),
      accountKeyOf('platform', 'grace@example.test'),
    ];
    expect(new Set(keys).size).toBe(keys.length);
    expect(accountKeyOf({ tenantId: 't-1' }, 'ada@example.test')).toBe(keys[0]);
    expect(accountKeyOf({ unknownTenantSlug: ' ACME ' }, 'ada@example.test')).toBe(keys[2]);
  });

  it('stores no e-mail address or client address in a key', () => {
    const account = accountKeyOf('platform', 'ada@example.test');
    const ip = ipKeyOf('203.0.113.7')!;
    for (const k of [account, ip]) expect(k).toMatch(/^[0-9a-f]{64}$/);
  });

  it('counts an IPv4 client the same whether or not it arrives as an IPv6-mapped address', () => {
    expect(ipKeyOf('::ffff:203.0.113.7')).toBe(ipKeyOf('203.0.113.7'));
    expect(ipKeyOf('203.0.113.8')).not.toBe(ipKeyOf('203.0.113.7'));
  });

  it('counts every address of one IPv6 /64 as one client, and other /64s apart', () => {
    expect(ipKeyOf('2001:db8:1:2::1')).toBe(ipKeyOf('2001:db8:1:2:ffff:eeee:dddd:cccc'));
    expect(ipKeyOf('2001:0db8:0001:0002:0:0:0:9')).toBe(ipKeyOf('2001:db8:1:2::1'));
    expect(ipKeyOf('2001:db8:1:3::1')).not.toBe(ipKeyOf('2001:db8:1:2::1'));
  });

  it('has no address key when the request carries no address', () => {
    expect(ipKeyOf(null)).toBeNull();
  });
});

describe('sign-in throttle verdicts', () => {
  const account = 'a'.repeat(64);
  const ip = 'b'.repeat(64);
  const counters = (accountAttempts: number, ipAttempts: number, locked = false): ThrottleCounter[] => [
    { keyHash: account, kind: 'account', attempts: accountAttempts, locked },
    { keyHash: ip, kind: 'ip', attempts: ipAttempts, locked: false },
  ];

  it('lets the first five attempts on an account be checked', () => {
    expect(verdictOf(counters(5, 5), account, ip, SETTINGS)).toBe('proceed');
  });

  it('refuses a sixth attempt in the window, even before the fifth failure has set the lock', () => {
    expect(verdictOf(counters(6, 6), account, ip, SETTINGS)).toBe('account-locked');
  });

  it('refuses every attempt on a locked account', () => {
    expect(verdictOf(counters(5, 1, true), account, ip, SETTINGS)).toBe('account-locked');
  });

  it('refuses an address past its limit before looking at the account', () => {
    expect(verdictOf(counters(1, 51), account, ip, SETTINGS)).toBe('ip-limited');
    expect(verdictOf(counters(1, 50), account, ip, SETTINGS)).toBe('proceed');
  });

  it('judges by the account alone when there is no address', () => {
    expect(verdictOf(counters(1, 500).slice(0, 1), account, null, SETTINGS)).toBe('proceed');
  });
});
