import { randomUUID } from 'node:crypto';
import { ACCESS_CHECK_ROUTE, isAccessCheck, type AccessCheck, type AccessCheckRequest } from '../../infrastructure/authorization/access-check';
import { CONTEXT_HEADER, signContext } from '../../infrastructure/context/signed-context';
import { errors } from '../../infrastructure/errors/error-codes';

const UNREACHABLE = 'cannot check this session right now: the identity service is not reachable; try again shortly';
const NO_ANSWER = 'cannot check this session right now: the identity service could not answer; try again shortly';

/**
 * Asks identity whether an access token's session still grants access, over identity's internal route, as the
 * SYSTEM caller `gateway`. Only the user and session ids travel, never the token. Any failure is
 * SERVICE_UNAVAILABLE: a session is never let through unchecked.
 */
export function accessCheckClient(options: { identityBaseUrl: () => string; contextSecret: string; timeoutMs: number }): (request: AccessCheckRequest) => Promise<AccessCheck> {
  return async (request) => {
    const context = signContext(
      {
        principal: { kind: 'SYSTEM', subject: 'gateway', tenantId: null, roles: [], permissions: [] },
        requestId: randomUUID(),
        ipAddress: null,
        userAgent: 'lattice-gateway',
      },
      options.contextSecret,
    );
    let response: Response;
    try {
      response = await fetch(new URL(ACCESS_CHECK_ROUTE, options.identityBaseUrl()), {
        method: 'POST',
        headers: { 'content-type': 'application/json', [CONTEXT_HEADER]: context },
        body: JSON.stringify(request),
        signal: AbortSignal.timeout(options.timeoutMs),
      });
    } catch {
      throw errors.unavailable(UNREACHABLE);
    }
    const answer: unknown = response.ok ? await response.json().catch(() => null) : null;
    if (!isAccessCheck(answer)) throw errors.unavailable(NO_ANSWER);
    return answer;
  };
}
