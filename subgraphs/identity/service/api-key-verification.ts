import { parseApiKey, type ApiKeyVerification } from '../../../infrastructure/authorization/api-key';
import { isPermission, PLATFORM_ONLY_PERMISSIONS } from '../../../infrastructure/authorization/permissions';
import { errors } from '../../../infrastructure/errors/error-codes';
import type { ApiKeyStore } from '../store/api-key-store';
import { apiKeyMatches } from './api-key-secret';

/** The most uses one report may carry; the gateway sends larger batches in several reports. */
export const MAX_USES_PER_REPORT = 1_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * What the gateway asks identity about API keys, outside any client request: is this key good, and which keys
 * were used when. Works across tenants, so its store runs in platform scope; only signed SYSTEM calls reach it.
 */
export class ApiKeyVerifier {
  constructor(
    private readonly store: ApiKeyStore,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async verify(key: string): Promise<ApiKeyVerification> {
    const parsed = parseApiKey(key);
    if (!parsed) return { valid: false, reason: 'unknown' };
    const row = await this.store.findById(parsed.keyId);
    // A wrong secret for a real id is indistinguishable from an unknown id.
    if (!row || !apiKeyMatches(key, row.secretHash)) return { valid: false, reason: 'unknown' };
    if (row.revokedAt !== null) return { valid: false, reason: 'revoked' };
    if (row.expiresAt.getTime() <= this.now().getTime()) return { valid: false, reason: 'expired' };
    // Defence in depth: a permission since removed from the registry, or a platform-only one, is never granted.
    const permissions = row.permissions.filter((p) => isPermission(p) && !PLATFORM_ONLY_PERMISSIONS.includes(p));
    return { valid: true, apiKey: { id: row.id, tenantId: row.tenantId, permissions, expiresAt: row.expiresAt.toISOString() } };
  }

  /** Applies a gateway's use report: the latest use per key wins; returns how many uses it read. */
  async recordUses(report: unknown): Promise<number> {
    const uses = readUseReport(report);
    const latest = new Map<string, Date>();
    for (const use of uses) {
      const seen = latest.get(use.id);
      if (!seen || seen < use.at) latest.set(use.id, use.at);
    }
    await this.store.recordUses([...latest].map(([id, at]) => ({ id, at })));
    return uses.length;
  }
}

function readUseReport(report: unknown): { id: string; at: Date }[] {
  const uses = (report as { uses?: unknown } | null)?.uses;
  if (!Array.isArray(uses) || uses.length > MAX_USES_PER_REPORT) {
    throw errors.badInput('uses', `must be a list of at most ${MAX_USES_PER_REPORT} { id, at } entries`);
  }
  return uses.map((use: unknown, i) => {
    const { id, at } = (use ?? {}) as { id?: unknown; at?: unknown };
    const date = typeof at === 'string' ? new Date(at) : null;
    if (typeof id !== 'string' || !UUID.test(id) || !date || Number.isNaN(date.getTime())) {
      throw errors.badInput(`uses[${i}]`, 'must be { id: <API key id>, at: <ISO date-time> }');
    }
    return { id, at: date };
  });
}
