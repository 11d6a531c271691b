import type { IncomingMessage, ServerResponse } from 'node:http';
import { JWKS_PATH } from '../../infrastructure/authorization/access-token';
import { sendJson } from '../../infrastructure/http/routes';

/** The gateway republishes identity's JWKS, so clients verify tokens against the one public origin. */
export function jwksRoute(identityBaseUrl: () => string) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    if (req.method !== 'GET' || req.url !== JWKS_PATH) return false;
    const response = await fetch(new URL(JWKS_PATH, identityBaseUrl()), { signal: AbortSignal.timeout(5_000) }).catch(() => null);
    if (!response?.ok) {
      sendJson(res, 503, { errors: [{ message: 'the identity service is not reachable', extensions: { code: 'SERVICE_UNAVAILABLE' } }] });
      return true;
    }
    sendJson(res, 200, await response.json(), { 'cache-control': 'public, max-age=60' });
    return true;
  };
}
