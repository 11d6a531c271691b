import { createHash } from 'node:crypto';
import { clientNetworkOf } from '../../../infrastructure/http/client-network';
import type { RequestContext } from '../../../infrastructure/context/request-context';
import type { TenantDatabase } from '../../../infrastructure/database/scoped-database';
import type { Logger } from '../../../infrastructure/logging/logger';
import { SignInThrottleStore, type ThrottleCounter } from '../store/sign-in-throttle-store';

export interface SignInThrottleSettings {
  /** Failed attempts on one account within the window that lock it. */
  accountThreshold: number;
  /** Failed attempts from one client address within the window after which it is refused. */
  ipLimit: number;
  /** Length of the counting window, and of a lock. */
  windowSeconds: number;
}

/** Whose account an attempt is on: a known tenant by id, an unknown tenant by the slug given, or the platform. */
export type AccountScope = { tenantId: string } | { unknownTenantSlug: string } | 'platform';

/**
 * The account key. Unknown e-mails and unknown tenants get keys exactly like real ones, so a lockout behaves the
 * same whether or not the account exists. Stored only as a hash: the table holds no e-mail addresses.
 */
export function accountKeyOf(scope: AccountScope, emailNormalized: string): string {
  const where = scope === 'platform' ? 'platform' : 'tenantId' in scope ? `tenant:${scope.tenantId}` : `slug:${scope.unknownTenantSlug.trim().toLowerCase()}`;
  return hashKey(`account\u0000${where}\u0000${emailNormalized}`);
}

/** The client-address key (its network: IPv6 by /64, see clientNetworkOf), or null when the request has no address. */
export function ipKeyOf(address: string | null): string | null {
  const network = clientNetworkOf(address);
  return network === null ? null : hashKey(`ip\u0000${network}`);
}

function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export type ThrottleVerdict = 'proceed' | 'account-locked' | 'ip-limited';

/** What to do with an attempt, from its counters after counting it. Pure. */
export function verdictOf(counters: readonly ThrottleCounter[], accountKey: string, ipKey: string | null, settings: SignInThrottleSettings): ThrottleVerdict {
  const ip = ipKey ? counters.find((c) => c.keyHash === ipKey) : undefined;
  if (ip && ip.attempts > settings.ipLimit) return 'ip-limited';
  const account = counters.find((c) => c.keyHash === accountKey);
  // More attempts than the threshold means the lock is running or about to be set by an attempt still in flight.
  if (account && (account.locked || account.attempts > settings.accountThreshold)) return 'account-locked';
  return 'proceed';
}

/** One counted attempt, to be settled as failed or succeeded once the password has been checked. */
export interface ThrottledAttempt {
  verdict: ThrottleVerdict;
  accountKey: string;
  ipKey: string | null;
  accountAttempts: number;
  store: SignInThrottleStore;
}

/**
 * Brute-force protection for anything that checks a password. Every attempt is counted before the password is
 * checked, so a burst of parallel guesses cannot all slip past the check: at most `accountThreshold` of them are
 * ever verified per window. A right password takes its attempt back; a wrong one leaves it counted and locks
 * the account when it reaches the threshold.
 */
export class SignInThrottle {
  private prunedAt = 0;

  constructor(
    private readonly database: TenantDatabase,
    readonly settings: SignInThrottleSettings,
    private readonly logger: Logger,
  ) {}

  async begin(request: RequestContext, accountKey: string): Promise<ThrottledAttempt> {
    const store = new SignInThrottleStore(this.database.asPlatform('sign-in throttling', request));
    await this.pruneNowAndThen(store);
    const ipKey = ipKeyOf(request.ipAddress);
    const keys = [{ keyHash: accountKey, kind: 'account' as const }, ...(ipKey ? [{ keyHash: ipKey, kind: 'ip' as const }] : [])];
    const counters = await store.countAttempt(keys, this.settings.windowSeconds);
    const verdict = verdictOf(counters, accountKey, ipKey, this.settings);
    if (verdict === 'ip-limited') this.logger.warn('sign-in refused: too many failures from this address', { requestId: request.requestId });
    return { verdict, accountKey, ipKey, accountAttempts: counters.find((c) => c.keyHash === accountKey)?.attempts ?? 0, store };
  }

  /** A wrong password: the attempt stays counted. True when it is the one that locked the account. */
  async failed(attempt: ThrottledAttempt): Promise<boolean> {
    if (attempt.accountAttempts < this.settings.accountThreshold) return false;
    return attempt.store.lockIfReached(attempt.accountKey, this.settings.accountThreshold, this.settings.windowSeconds);
  }

  /** A right password: the account's failures are forgotten and the address gets its attempt back. */
  async succeeded(attempt: ThrottledAttempt): Promise<void> {
    await attempt.store.clearAccount(attempt.accountKey, attempt.ipKey);
  }

  // Counters whose window is over change nothing, so clearing them out at most once a window per replica is enough.
  private async pruneNowAndThen(store: SignInThrottleStore): Promise<void> {
    if (Date.now() - this.prunedAt < this.settings.windowSeconds * 1000) return;
    this.prunedAt = Date.now();
    await store.pruneExpired(this.settings.windowSeconds).catch((error: unknown) => this.logger.warn('could not prune sign-in counters', { error }));
  }
}
