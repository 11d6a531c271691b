import { hashApiKey, parseApiKey, type ApiKeyVerification } from '../../infrastructure/authorization/api-key';
import { LruMap } from '../../infrastructure/cache/lru-map';
import { GATEWAY_DEFAULTS } from '../../infrastructure/config/config';
import { ALWAYS_CONNECTED, trustsConfirmation, type BusConnectivity } from '../../infrastructure/events/bus-connectivity';

/** Asks identity, the only holder of key hashes. */
export type VerifyApiKey = (key: string) => Promise<ApiKeyVerification>;


interface Cached {
  verdict: ApiKeyVerification;
  keyId: string;
  /** Epoch ms after which identity is asked again. */
  until: number;
  /** When identity was asked (epoch ms); while the bus is down, trusted only for the outage window after it. */
  confirmedAt: number;
  /** The invalidation counter when identity was asked; a later invalidation of this key makes the entry stale. */
  generation: number;
}

/**
 * Each gateway replica's memory of identity's answers about API keys, keyed by SHA-256 of the key (the key itself
 * is never held beyond the request). Answers, good or bad, are kept for at most `ttlMs`; a valid key's entry also
 * stops at the key's own expiry. Revocation does not wait for the TTL: identity publishes
 * `identity.apikey.revoked`, every replica calls `invalidate(keyId)`, and the next request asks identity again.
 * While the bus is disconnected no revocation can arrive, so an answer older than the outage window is asked again,
 * and so is every answer from before the bus reconnected.
 */
export class ApiKeyCache {
  private readonly entries: LruMap<string, Cached>;
  /** Key id → the counter value of its last invalidation. Bounded; a forgotten one leaves only the TTL as backstop. */
  private readonly invalidations: LruMap<string, number>;
  private readonly inFlight = new Map<string, Promise<ApiKeyVerification>>();
  private generation = 0;
  private readonly ttlMs: number;
  private readonly now: () => number;
  private readonly connectivity: BusConnectivity;
  private readonly outageWindowMs: number;

  constructor(
    private readonly verifyWithIdentity: VerifyApiKey,
    options: { ttlMs?: number; maxEntries?: number; now?: () => number; connectivity?: BusConnectivity; outageWindowMs?: number } = {},
  ) {
    this.ttlMs = options.ttlMs ?? GATEWAY_DEFAULTS.apiKeyCacheTtlMs;
    this.now = options.now ?? Date.now;
    this.connectivity = options.connectivity ?? ALWAYS_CONNECTED;
    this.outageWindowMs = options.outageWindowMs ?? GATEWAY_DEFAULTS.busOutageWindowMs;
    this.entries = new LruMap(Math.max(1, options.maxEntries ?? GATEWAY_DEFAULTS.caches.apiKeys));
    this.invalidations = new LruMap(Math.max(1, options.maxEntries ?? GATEWAY_DEFAULTS.caches.apiKeys));
  }

  get size(): number {
    return this.entries.size;
  }

  /** Identity's answer for a well-formed key, from memory when fresh; one request to identity per key however many wait. */
  async verify(key: string): Promise<ApiKeyVerification> {
    const hash = hashApiKey(key);
    const cached = this.entries.get(hash);
    if (cached && cached.until > this.now() && !this.isStale(cached) && this.isTrusted(cached)) return this.asOfNow(cached.verdict);
    if (cached) this.entries.delete(hash);
    const flight = this.inFlight.get(hash) ?? this.fetch(hash, key);
    return this.asOfNow(await flight);
  }

  /** Forgets what this replica knows about a key (it was revoked, or may have been), so its next use asks identity. */
  invalidate(keyId: string): void {
    this.generation += 1;
    this.invalidations.set(keyId, this.generation);
  }

  private isTrusted(entry: Cached): boolean {
    return trustsConfirmation(this.connectivity, entry.confirmedAt, this.outageWindowMs, this.now());
  }

  private isStale(entry: Pick<Cached, 'keyId' | 'generation'>): boolean {
    return (this.invalidations.get(entry.keyId) ?? 0) > entry.generation;
  }

  /** A valid key past its expiry is refused even while its entry is fresh. */
  private asOfNow(verdict: ApiKeyVerification): ApiKeyVerification {
    if (verdict.valid && Date.parse(verdict.apiKey.expiresAt) <= this.now()) return { valid: false, reason: 'expired' };
    return verdict;
  }

  private fetch(hash: string, key: string): Promise<ApiKeyVerification> {
    const promise = this.settle(hash, key).finally(() => {
      if (this.inFlight.get(hash) === promise) this.inFlight.delete(hash);
    });
    this.inFlight.set(hash, promise);
    return promise;
  }

  private async settle(hash: string, key: string): Promise<ApiKeyVerification> {
    const keyId = parseApiKey(key)?.keyId ?? hash;
    let verdict: ApiKeyVerification | null = null;
    // An invalidation while identity was answering may mean the answer predates a revocation: ask once more.
    for (let attempt = 0; attempt < 2; attempt++) {
      const generation = this.generation;
      const confirmedAt = this.now();
      verdict = await this.verifyWithIdentity(key);
      if (!this.isStale({ keyId, generation })) {
        this.entries.set(hash, { verdict, keyId, until: this.now() + this.ttlMs, generation, confirmedAt });
        return verdict;
      }
    }
    // Invalidated during both answers: answer the latest, keep nothing.
    return verdict!;
  }
}
