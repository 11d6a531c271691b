import { CONTEXT_HEADER, signContext } from '../../infrastructure/context/signed-context';
import type { GatewayFeature } from '../core/feature';

/**
 * `useSignedContext`: every subgraph fetch carries the caller's context signed with LATTICE_CONTEXT_SECRET
 * (HMAC-SHA256), the only context Lattice's subgraphs trust, and the request id. Nothing the client sent passes.
 */
export function useSignedContext(contextSecret: string): GatewayFeature {
  return {
    name: 'signed-context',
    subgraphHeaders(context, headers) {
      headers.delete(CONTEXT_HEADER);
      headers.set(CONTEXT_HEADER, signContext(context.request, contextSecret));
      headers.set('x-request-id', context.request.requestId);
    },
  };
}
