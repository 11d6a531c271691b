import { randomUUID } from 'node:crypto';
import { API_KEY_ROUTES, type ApiKeyUseReport, type ApiKeyVerification } from '../../infrastructure/authorization/api-key';
import { CONTEXT_HEADER, signContext } from '../../infrastructure/context/signed-context';
import { errors } from '../../infrastructure/errors/error-codes';
import { GATEWAY_DEFAULTS } from '../../infrastructure/config/config';

export interface ApiKeyIdentityClientOptions {
  /** Identity's base URL (`http://host:port`), read on every call: an embedded subgraph's port is known only once it has started. */
  identityBaseUrl: () => string;
  contextSecret: string;
  timeoutMs?: number;
}

/**
 * The gateway asking identity about API keys over identity's internal routes, as the SYSTEM caller `gateway`
 * with a context it signs itself. Any failure is SERVICE_UNAVAILABLE: a key is never let through unchecked.
 */
export class ApiKeyIdentityClient {
  constructor(private readonly options: ApiKeyIdentityClientOptions) {}

  async verify(key: string): Promise<ApiKeyVerification> {
    const answer = await this.post(API_KEY_ROUTES.verify, { key });
    if (!isVerification(answer)) throw errors.unavailable('cannot check API keys right now: the identity service could not answer; try again shortly');
    return answer;
  }

  async reportUses(report: ApiKeyUseReport): Promise<void> {
    await this.post(API_KEY_ROUTES.recordUse, report);
  }

  private async post(path: string, body: unknown): Promise<unknown> {
    const context = signContext(
      {
        principal: { kind: 'SYSTEM', subject: 'gateway', tenantId: null, roles: [], permissions: [] },
        requestId: randomUUID(),
        ipAddress: null,
        userAgent: 'lattice-gateway',
      },
      this.options.contextSecret,
    );
    let response: Response;
    try {
      response = await fetch(new URL(path, this.options.identityBaseUrl()), {
        method: 'POST',
        headers: { 'content-type': 'application/json', [CONTEXT_HEADER]: context },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? GATEWAY_DEFAULTS.timeouts.apiKeyVerifyMs),
      });
    } catch {
      throw errors.unavailable('cannot check API keys right now: the identity service is not reachable; try again shortly');
    }
    if (!response.ok) throw errors.unavailable('cannot check API keys right now: the identity service could not answer; try again shortly');
    return response.status === 204 ? null : response.json().catch(() => null);
  }
}

function isVerification(value: unknown): value is ApiKeyVerification {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  if (v.valid === false) return v.reason === 'unknown' || v.reason === 'revoked' || v.reason === 'expired';
  const key = v.apiKey as Record<string, unknown> | undefined;
  return (
    v.valid === true &&
    typeof key === 'object' &&
    key !== null &&
    typeof key.id === 'string' &&
    (typeof key.tenantId === 'string' || key.tenantId === null) &&
    typeof key.expiresAt === 'string' &&
    Array.isArray(key.permissions) &&
    key.permissions.every((p) => typeof p === 'string')
  );
}
