import { ANONYMOUS, type RequestContext } from './request-context';
import { signContext, verifyContext } from './signed-context';

const secret = 'a'.repeat(40);
const context: RequestContext = {
  principal: { kind: 'USER', subject: 'u1', tenantId: 't1', roles: ['member'], permissions: ['users:read'] },
  requestId: 'req-1',
  ipAddress: '127.0.0.1',
  userAgent: 'jest',
};

describe('signed subgraph context', () => {
  it('round-trips the caller, tenant and permissions the gateway signed', () => {
    const result = verifyContext(signContext(context, secret), secret);
    expect(result).toEqual({ ok: true, context });
  });

  it('refuses a context signed with another secret', () => {
    expect(verifyContext(signContext(context, 'b'.repeat(40)), secret)).toEqual({
      ok: false,
      reason: 'signed context does not verify',
    });
  });

  it('refuses a context whose payload was edited to claim another tenant', () => {
    const [version, payload, signature] = signContext(context, secret).split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
    claims.principal.tenantId = 't2';
    const forged = `${version}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`;
    expect(verifyContext(forged, secret).ok).toBe(false);
  });

  it('refuses an expired context', () => {
    const signedLongAgo = signContext({ ...context, principal: ANONYMOUS }, secret, 60, Date.now() - 120_000);
    expect(verifyContext(signedLongAgo, secret)).toEqual({ ok: false, reason: 'signed context expired' });
  });

  it('refuses a missing or malformed header', () => {
    expect(verifyContext(undefined, secret).ok).toBe(false);
    expect(verifyContext('garbage', secret).ok).toBe(false);
    expect(verifyContext('v1.e30.', secret).ok).toBe(false);
  });
});
