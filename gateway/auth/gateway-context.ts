import type { IncomingMessage } from 'node:http';
import type { GatewayContext } from '../federation/signed-context-data-source';
import { clientAddressOf, requestIdOf } from '../server/request-context';
import type { AccessTokenVerifier } from './access-token-verifier';
import { authenticateRequest } from './authenticate-request';

export interface Refusal {
  refuse: { status: number; body: unknown };
}

/** Authenticates one HTTP request into the context the gateway signs for subgraphs, or a refusal to send as is. */
export async function gatewayContextOf(req: IncomingMessage, verifier: AccessTokenVerifier): Promise<GatewayContext | Refusal> {
  const requestId = requestIdOf(req);
  try {
    const principal = await authenticateRequest(req.headers, verifier);
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
    const code = (error as { extensions?: { code?: string } }).extensions?.code ?? 'UNAUTHENTICATED';
    return {
      refuse: {
        status: code === 'SERVICE_UNAVAILABLE' ? 503 : 401,
        body: { errors: [{ message: (error as Error).message, extensions: { code, requestId } }] },
      },
    };
  }
}
