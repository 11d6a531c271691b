import type { IncomingMessage, ServerResponse } from 'node:http';
import { CONTEXT_HEADER, signContext } from '../../infrastructure/context/signed-context';
import { ERROR_CODES, type ErrorCode } from '../../infrastructure/errors/error-codes';
import { BodyTooLarge, readBody } from '../../infrastructure/http/read-body';
import { sendJson } from '../../infrastructure/http/routes';
import type { Logger } from '../../infrastructure/logging/logger';
import type { GatewayFeature, GatewayHandle } from '../core/feature';
import { httpConnection } from '../core/gateway-server';

const PATH = '/registry/graphql';

/**
 * `useRegistryEndpoint`: the schema registry's API at the gateway's origin, `POST /registry/graphql`, so a team's
 * CI needs one URL (LATTICE_REGISTRY_URL) for the registry whichever mode runs it. The caller is authenticated as
 * any request is (every feature's context step: bearer token or API key, revocations, tenant status); the request
 * goes on to the registry with the context signed, which is all the registry trusts. The registry is not part of
 * the supergraph: its fields are not in the public schema.
 */
export function useRegistryEndpoint(options: { registryUrl: () => string; contextSecret: string; maxBodyBytes: number; timeoutMs: number; logger: Logger }): GatewayFeature {
  let gateway: GatewayHandle | null = null;
  const fail = (res: ServerResponse, code: ErrorCode, message: string, requestId: string) =>
    sendJson(res, ERROR_CODES[code].status, { errors: [{ message, extensions: { code, requestId } }] }, { 'x-request-id': requestId });

  const route = async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    if (new URL(req.url ?? '/', 'http://gateway').pathname !== PATH) return false;
    const input = httpConnection(req);
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST');
      fail(res, 'BAD_USER_INPUT', `the schema registry answers POST ${PATH} with a JSON GraphQL request`, input.requestId);
      return true;
    }
    if (!String(req.headers['content-type'] ?? '').toLowerCase().startsWith('application/json')) {
      fail(res, 'BAD_USER_INPUT', 'send the request as Content-Type: application/json', input.requestId);
      return true;
    }
    let body: string;
    try {
      body = await readBody(req, options.maxBodyBytes);
    } catch (error) {
      if (error instanceof BodyTooLarge) fail(res, 'BAD_USER_INPUT', `the request body is larger than ${options.maxBodyBytes} bytes`, input.requestId);
      else fail(res, 'BAD_USER_INPUT', 'the request body could not be read', input.requestId);
      return true;
    }
    const context = await gateway!.contextFor(input);
    if ('refused' in context) {
      const code = (context.refused.extensions?.code as ErrorCode | undefined) ?? 'UNAUTHENTICATED';
      fail(res, code in ERROR_CODES ? code : 'UNAUTHENTICATED', context.refused.message, input.requestId);
      return true;
    }
    let answer: Response;
    try {
      answer = await fetch(options.registryUrl(), {
        method: 'POST',
        headers: { 'content-type': 'application/json', [CONTEXT_HEADER]: signContext(context.request, options.contextSecret), 'x-request-id': input.requestId },
        body,
        signal: AbortSignal.timeout(options.timeoutMs),
      });
    } catch (error) {
      options.logger.warn('schema registry unreachable', { requestId: input.requestId, reason: error instanceof Error ? error.message : String(error) });
      fail(res, 'SERVICE_UNAVAILABLE', 'the schema registry is not reachable; try again shortly', input.requestId);
      return true;
    }
    const text = await answer.text();
    res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json; charset=utf-8', 'cache-control': 'no-store', 'x-request-id': input.requestId });
    res.end(text);
    return true;
  };

  return {
    name: 'registry-endpoint',
    routes: [route],
    attach(handle) {
      gateway = handle;
    },
  };
}
