import type { IncomingMessage } from 'node:http';
import { ERROR_CODES, type ErrorCode } from '../../infrastructure/errors/error-codes';
import type { GatewayContext } from '../federation/signed-context-data-source';
import { clientAddressOf, requestIdOf } from '../server/request-context';
import { requireActiveTenant } from '../tenancy/require-active-tenant';
import type { TenantStatusCache } from '../tenancy/tenant-status-cache';
import type { AccessRevocations } from './access-revocations';
import { authenticateRequest, type CredentialVerifier } from './authenticate-request';

export interface Refusal {
  refuse: { status: number; body: unknown };
}

/**
 * Authenticates one HTTP request into the context the gateway signs for subgraphs, or a refusal to send as is:
 * 401 for a bad token, 403 TENANT_SUSPENDED for a suspended tenant's user, 503 when that cannot be checked.
 */
export async function gatewayContextOf(
  req: IncomingMessage,
  verifier: CredentialVerifier,
  tenants: TenantStatusCache,
  revocations: AccessRevocations,
): Promise<GatewayContext | Refusal> {
  const requestId = requestIdOf(req);
  try {
    const principal = await authenticateRequest(req.headers, verifier);
    revocations.check(principal, principal.issuedAt);
    await requireActiveTenant(principal, tenants);
    const userAgent = req.headers['user-agent'];
    return {
      request: {
        principal,
        requestId,
        ipAddress: clientAddressOf(req),
        userAgent: typeof userAgent === 'string' ? userAgent.slice(0, 256) : null,
      },
    };
  } catch (error) {
    const given = (error as { extensions?: { code?: string } }).extensions?.code;
    const code: ErrorCode = given !== undefined && given in ERROR_CODES ? (given as ErrorCode) : 'UNAUTHENTICATED';
    return {
      refuse: {
        status: ERROR_CODES[code].status,
        body: { errors: [{ message: (error as Error).message, extensions: { code, requestId } }] },
      },
    };
  }
}
