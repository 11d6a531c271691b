import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Principal, RequestContext } from './request-context';

/** The header the gateway forwards to subgraphs. Any client-sent copy is dropped at the gateway. */
export const CONTEXT_HEADER = 'x-lattice-context';
const VERSION = 'v1';

interface ContextClaims extends RequestContext {
  /** Expiry, seconds since the epoch: a captured header is useless shortly after. */
  exp: number;
}

export type ContextVerification = { ok: true; context: RequestContext } | { ok: false; reason: string };

function mac(secret: string, payload: string): Buffer {
  return createHmac('sha256', secret).update(`${VERSION}.${payload}`).digest();
}

/** `v1.<base64url(json)>.<base64url(hmac-sha256)>`; valid for `ttlSeconds` (one request's lifetime, with slack). */
export function signContext(context: RequestContext, secret: string, ttlSeconds = 60, now = Date.now()): string {
  const claims: ContextClaims = { ...context, exp: Math.floor(now / 1000) + ttlSeconds };
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return `${VERSION}.${payload}.${mac(secret, payload).toString('base64url')}`;
}

export function verifyContext(header: string | undefined, secret: string, now = Date.now()): ContextVerification {
  if (!header) return { ok: false, reason: 'missing signed context' };
  const parts = header.split('.');
  if (parts.length !== 3 || parts[0] !== VERSION) return { ok: false, reason: 'malformed signed context' };
  const [, payload, signature] = parts as [string, string, string];
  const expected = mac(secret, payload);
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: 'signed context does not verify' };
  }
  let claims: ContextClaims;
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as ContextClaims;
  } catch {
    return { ok: false, reason: 'malformed signed context' };
  }
  if (typeof claims.exp !== 'number' || claims.exp * 1000 < now) return { ok: false, reason: 'signed context expired' };
  if (!isPrincipal(claims.principal) || typeof claims.requestId !== 'string') {
    return { ok: false, reason: 'malformed signed context' };
  }
  return {
    ok: true,
    context: {
      principal: claims.principal,
      requestId: claims.requestId,
      ipAddress: claims.ipAddress ?? null,
      userAgent: claims.userAgent ?? null,
    },
  };
}

function isPrincipal(p: unknown): p is Principal {
  if (typeof p !== 'object' || p === null) return false;
  const v = p as Record<string, unknown>;
  return (
    ['USER', 'API_KEY', 'SYSTEM', 'ANONYMOUS'].includes(v.kind as string) &&
    (v.subject === null || typeof v.subject === 'string') &&
    (v.tenantId === null || typeof v.tenantId === 'string') &&
    (v.organizationId === undefined || v.organizationId === null || typeof v.organizationId === 'string') &&
    (v.departmentId === undefined || v.departmentId === null || typeof v.departmentId === 'string') &&
    Array.isArray(v.roles) &&
    Array.isArray(v.permissions)
  );
}
