import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { GraphQLDataSourceRequestKind } from '@apollo/gateway/dist/datasources/types';
import type { RequestContext } from '../../infrastructure/context/request-context';
import { CONTEXT_HEADER, signContext } from '../../infrastructure/context/signed-context';

export interface GatewayContext {
  request: RequestContext;
}

/** Forwards each subgraph fetch with a freshly signed context, and nothing the client sent: no header passes through. */
export class SignedContextDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  constructor(url: string, private readonly contextSecret: string) {
    super({ url });
  }

  override willSendRequest(options: GraphQLDataSourceProcessOptions<GatewayContext>): void {
    const headers = options.request.http?.headers;
    if (!headers) return;
    headers.delete(CONTEXT_HEADER);
    // Health checks and schema loads run without a request; they go out unsigned and subgraphs answer only health.
    if (options.kind === GraphQLDataSourceRequestKind.INCOMING_OPERATION) {
      const { request } = options.context;
      headers.set(CONTEXT_HEADER, signContext(request, this.contextSecret));
      headers.set('x-request-id', request.requestId);
    }
  }
}
