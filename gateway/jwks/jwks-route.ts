import type { IncomingMessage, ServerResponse } from 'node:http';
import { JWKS_PATH } from '../../infrastructure/authorization/access-token';
import type { GatewaySettings } from '../../infrastructure/config/config';
import { sendJson } from '../../infrastructure/http/routes';
import type { GatewayFeature } from '../core/feature';

/** `useJwks`: the gateway republishes identity's JWKS, so clients verify tokens against the one public origin. */
export function useJwks(identityBaseUrl: () => string, settings: GatewaySettings): GatewayFeature {
  const route = async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    if (req.method !== 'GET' || req.url !== JWKS_PATH) return false;
    const response = await fetch(new URL(JWKS_PATH, identityBaseUrl()), { signal: AbortSignal.timeout(settings.timeouts.jwksFetchMs) }).catch(() => null);
    if (!response?.ok) {
      sendJson(res, 503, { errors: [{ message: 'the identity service is not reachable', extensions: { code: 'SERVICE_UNAVAILABLE' } }] });
      return true;
    }
    sendJson(res, 200, await response.json(), { 'cache-control': `public, max-age=${settings.jwks.publicMaxAgeSeconds}` });
    return true;
  };
  return { name: 'jwks', routes: [route] };
}
