import type { IncomingMessage, ServerResponse } from 'node:http';
import { ACCESS_CHECK_ROUTE } from '../../../infrastructure/authorization/access-check';
import { CONTEXT_HEADER, verifyContext } from '../../../infrastructure/context/signed-context';
import { isLatticeError } from '../../../infrastructure/errors/error-codes';
import { BodyTooLarge, readBody } from '../../../infrastructure/http/read-body';
import { sendJson } from '../../../infrastructure/http/routes';
import type { Logger } from '../../../infrastructure/logging/logger';
import type { AccessChecker } from '../service/access-check';

const MAX_BODY_BYTES = 4 * 1024;

function refuse(res: ServerResponse, status: number, code: string, message: string): void {
  sendJson(res, status, { errors: [{ message, extensions: { code } }] });
}

/**
 * `POST /internal/access/check` ({ userId, sessionId } → AccessCheck): asked by a gateway whose event bus is down,
 * so it cannot hear sign-outs and suspensions. Like the API-key routes beside it, plain HTTP that no client reaches
 * through the supergraph, answering only a context signed by a Lattice service for a SYSTEM principal.
 */
export function accessCheckRoute(checker: AccessChecker, contextSecret: string, logger: Logger) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== ACCESS_CHECK_ROUTE) return false;
    if (req.method !== 'POST') {
      refuse(res, 405, 'BAD_USER_INPUT', `${path} only answers POST`);
      return true;
    }
    const header = req.headers[CONTEXT_HEADER];
    const context = verifyContext(Array.isArray(header) ? header[0] : header, contextSecret);
    if (!context.ok || context.context.principal.kind !== 'SYSTEM') {
      logger.warn('refused an internal access check without a signed SYSTEM context', { path, reason: context.ok ? 'not a SYSTEM principal' : context.reason });
      req.resume();
      refuse(res, 401, 'UNAUTHENTICATED', 'only Lattice services may call this route');
      return true;
    }
    let body: unknown;
    try {
      body = JSON.parse(await readBody(req, MAX_BODY_BYTES)) as unknown;
    } catch (error) {
      refuse(res, error instanceof BodyTooLarge ? 413 : 400, 'BAD_USER_INPUT', error instanceof BodyTooLarge ? 'request body too large' : 'request body is not valid JSON');
      return true;
    }
    try {
      sendJson(res, 200, await checker.check(body));
    } catch (error) {
      if (isLatticeError(error)) {
        refuse(res, 400, error.code, error.message);
      } else {
        logger.error('internal access check failed', { path, error });
        refuse(res, 500, 'INTERNAL_SERVER_ERROR', 'internal error');
      }
    }
    return true;
  };
}
