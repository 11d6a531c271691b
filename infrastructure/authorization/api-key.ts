import { createHash } from 'node:crypto';

/**
 * The API-key contract between identity (which issues keys and alone can verify them) and the gateway (which
 * accepts them as `Authorization: Bearer lat_…`).
 *
 * A key reads `lat_<key id: 32 hex>_<secret: 43 base64url chars, 32 random bytes>`. The id is not secret: it lets
 * identity find the one row to compare against. Identity stores only SHA-256 of the whole key.
 */
export const API_KEY_PREFIX = 'lat_';
export const API_KEY_SECRET_BYTES = 32;
const API_KEY_FORMAT = /^lat_([0-9a-f]{32})_([A-Za-z0-9_-]{43})$/;

/** Identity's internal HTTP routes for the gateway. Not GraphQL, so not in the supergraph; they need a signed SYSTEM context. */
export const API_KEY_ROUTES = {
  verify: '/internal/api-keys/verify',
  recordUse: '/internal/api-keys/used',
} as const;

/** Bearer tokens with the prefix are API keys; anything else is an access token. */
export function isApiKeyToken(token: string): boolean {
  return token.startsWith(API_KEY_PREFIX);
}

/** The key id (a UUID) and secret of a well-formed key, or null. */
export function parseApiKey(token: string): { keyId: string; secret: string } | null {
  const match = API_KEY_FORMAT.exec(token);
  if (!match) return null;
  const hex = match[1]!;
  const keyId = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  return { keyId, secret: match[2]! };
}

export function formatApiKey(keyId: string, secret: string): string {
  return `${API_KEY_PREFIX}${keyId.replace(/-/g, '').toLowerCase()}_${secret}`;
}

/** SHA-256 (hex) of the whole key: what identity stores and what the gateway's cache is keyed by. */
export function hashApiKey(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** What identity's verify route answers. */
export type ApiKeyVerification =
  | { valid: true; apiKey: { id: string; tenantId: string | null; permissions: string[]; expiresAt: string } }
  | { valid: false; reason: 'unknown' | 'revoked' | 'expired' };

/** What the gateway reports to the record-use route: the latest use of each key it served since the last report. */
export interface ApiKeyUseReport {
  uses: { id: string; at: string }[];
}

/** Events identity publishes about keys (never with the secret or its hash). */
export const API_KEY_EVENTS = {
  created: 'identity.apikey.created',
  revoked: 'identity.apikey.revoked',
} as const;
