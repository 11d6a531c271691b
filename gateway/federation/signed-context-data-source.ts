import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { GraphQLDataSourceRequestKind } from '@apollo/gateway/dist/datasources/types';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import { GraphQLError } from 'graphql';
import type { RequestContext } from '../../infrastructure/context/request-context';
import { errors } from '../../infrastructure/errors/error-codes';
import { CONTEXT_HEADER, signContext } from '../../infrastructure/context/signed-context';

export interface GatewayContext {
  request: RequestContext;
}

/** Forwards each subgraph fetch with a freshly signed context, and nothing the client sent: no header passes through. */
export class SignedContextDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  constructor(
    private readonly subgraphName: string,
    url: string,
    private readonly contextSecret: string,
  ) {
    super({ url });
  }

  /** A subgraph that cannot be reached is SERVICE_UNAVAILABLE, named, without its internal address. */
  override async process(options: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<GatewayGraphQLResponse> {
    try {
      return await super.process(options);
    } catch (error) {
      if (error instanceof GraphQLError) throw error;
      throw errors.unavailable(`the ${this.subgraphName} service is not reachable; try again shortly`);
    }
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
