import { readFileSync } from 'node:fs';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';

export interface StockGateway {
  /** `http://127.0.0.1:<port>/graphql` */
  readonly url: string;
  stop(): Promise<void>;
}

/**
 * Stock `@apollo/gateway` behind stock `@apollo/server`, on the same supergraph file Lattice serves: the reference
 * the differential suite compares Lattice with. Only what would otherwise depend on NODE_ENV is set.
 */
export async function startStockGateway(supergraphPath: string): Promise<StockGateway> {
  const gateway = new ApolloGateway({ supergraphSdl: readFileSync(supergraphPath, 'utf8') });
  const server = new ApolloServer({ gateway, introspection: true, includeStacktraceInErrorResponses: false });
  const { url } = await startStandaloneServer(server, { listen: { port: 0, host: '127.0.0.1' } });
  return { url: new URL('/graphql', url).toString(), stop: () => server.stop() };
}
