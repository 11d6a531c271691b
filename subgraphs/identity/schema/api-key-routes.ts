import type { IncomingMessage, ServerResponse } from 'node:http';
import { API_KEY_ROUTES } from '../../../infrastructure/authorization/api-key';
import { CONTEXT_HEADER, verifyContext } from '../../../infrastructure/context/signed-context';
import { isLatticeError } from '../../../infrastructure/errors/error-codes';
import { BodyTooLarge, readBody } from '../../../infrastructure/http/read-body';
import { sendJson } from '../../../infrastructure/http/routes';
import type { Logger } from '../../../infrastructure/logging/logger';
import type { ApiKeyVerifier } from '../service/api-key-verification';

const MAX_BODY_BYTES = 256 * 1024;

async function readJson(req: IncomingMessage): Promise<unknown> {
  return JSON.parse(await readBody(req, MAX_BODY_BYTES)) as unknown;
}

function refuse(res: ServerResponse, status: number, code: string, message: string): void {
  sendJson(res, status, { errors: [{ message, extensions: { code } }] });
}

/**
 * Identity's internal routes for the gateway: `POST /internal/api-keys/verify` ({ key } → ApiKeyVerification) and
 * `POST /internal/api-keys/used` (ApiKeyUseReport → 204). They are plain HTTP, so no client can reach them through
 * the supergraph, and they answer only a context signed by a Lattice service for a SYSTEM principal: the same
 * HMAC the gateway signs every subgraph call with, which a client never holds.
 */
export function apiKeyRoutes(verification: ApiKeyVerifier, contextSecret: string, logger: Logger) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== API_KEY_ROUTES.verify && path !== API_KEY_ROUTES.recordUse) return false;
    if (req.method !== 'POST') {
      refuse(res, 405, 'BAD_USER_INPUT', `${path} only answers POST`);
      return true;
    }
    const header = req.headers[CONTEXT_HEADER];
    const context = verifyContext(Array.isArray(header) ? header[0] : header, contextSecret);
    if (!context.ok || context.context.principal.kind !== 'SYSTEM') {
      logger.warn('refused an internal API-key call without a signed SYSTEM context', { path, reason: context.ok ? 'not a SYSTEM principal' : context.reason });
      req.resume();
      refuse(res, 401, 'UNAUTHENTICATED', 'only Lattice services may call this route');
      return true;
    }
    let body: unknown;
    try {
      body = await readJson(req);
    } catch (error) {
      refuse(res, error instanceof BodyTooLarge ? 413 : 400, 'BAD_USER_INPUT', error instanceof BodyTooLarge ? 'request body too large' : 'request body is not valid JSON');
      return true;
    }
    try {
      if (path === API_KEY_ROUTES.verify) {
        const key = (body as { key?: unknown } | null)?.key;
        if (typeof key !== 'string' || key.length > 256) {
          refuse(res, 400, 'BAD_USER_INPUT', 'key: must be the API key as the client presented it');
          return true;
        }
        sendJson(res, 200, await verification.verify(key));
      } else {
        await verification.recordUses(body);
        res.writeHead(204, { 'cache-control': 'no-store' }).end();
      }
    } catch (error) {
      if (isLatticeError(error)) {
        refuse(res, 400, error.code, error.message);
      } else {
        logger.error('internal API-key route failed', { path, error });
        refuse(res, 500, 'INTERNAL_SERVER_ERROR', 'internal error');
      }
    }
    return true;
  };
}
