import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { GatewayFeature } from '../core/feature';

const SAFE_REQUEST_ID = /^[A-Za-z0-9._-]{8,64}$/;

/** Accepts a caller's x-request-id only when it is harmless to log and forward; otherwise makes one. */
export function requestIdOf(given: string | string[] | undefined): string {
  return typeof given === 'string' && SAFE_REQUEST_ID.test(given) ? given : randomUUID();
}

export function clientAddressOf(req: IncomingMessage): string | null {
  return req.socket.remoteAddress ?? null;
}

/** `useRequestId`: every response carries `x-request-id`, and every error its `requestId`, so a report can be matched to the logs. */
export function useRequestId(): GatewayFeature {
  return {
    name: 'request-id',
    willSendResponse(context, response) {
      response.headers.set('x-request-id', context.request.requestId);
      for (const error of response.errors) {
        if (error.extensions) (error.extensions as Record<string, unknown>).requestId = context.request.requestId;
      }
    },
  };
}
