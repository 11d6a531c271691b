import type { IncomingMessage, ServerResponse } from 'node:http';
import { HeaderMap, type ApolloServer, type BaseContext, type HTTPGraphQLRequest, type HTTPGraphQLResponse } from '@apollo/server';
import { BodyTooLarge, readBody } from './read-body';
import { sendJson } from './routes';

const MAX_BODY_BYTES = 1024 * 1024;

/** A caller turned away before any GraphQL runs: sent as is. */
export interface Refusal {
  refuse: { status: number; body: unknown };
}

/**
 * Serves GraphQL over HTTP at `path` on a plain node:http server (Apollo Server 5 ships no HTTP framework): reads
 * and parses the body within `maxBodyBytes`, then hands the request to `handle` and writes what it answers.
 */
export function httpGraphqlRoute(
  path: string,
  handle: (request: HTTPGraphQLRequest, req: IncomingMessage) => Promise<HTTPGraphQLResponse | Refusal>,
  maxBodyBytes = MAX_BODY_BYTES,
): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  return async (req, res) => {
    const [pathname, search = ''] = (req.url ?? '/').split('?', 2) as [string, string?];
    if (pathname !== path) return false;
    let body: unknown;
    if (req.method === 'POST') {
      let text: string;
      try {
        text = await readBody(req, maxBodyBytes);
      } catch (error) {
        if (error instanceof BodyTooLarge) {
          sendJson(res, 413, { errors: [{ message: `request body exceeds ${maxBodyBytes} bytes`, extensions: { code: 'BAD_USER_INPUT' } }] });
          return true;
        }
        throw error;
      }
      const type = req.headers['content-type'] ?? '';
      if (type.includes('application/json')) {
        try {
          body = text === '' ? {} : JSON.parse(text);
        } catch {
          sendJson(res, 400, { errors: [{ message: 'request body is not valid JSON', extensions: { code: 'BAD_USER_INPUT' } }] });
          return true;
        }
      } else {
        body = text;
      }
    }
    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    }
    const response = await handle({ method: req.method ?? 'GET', headers, search, body }, req);
    if ('refuse' in response) {
      sendJson(res, response.refuse.status, response.refuse.body);
      return true;
    }
    const outHeaders: Record<string, string> = {};
    for (const [key, value] of response.headers) outHeaders[key] = value;
    res.writeHead(response.status ?? 200, outHeaders);
    if (response.body.kind === 'complete') {
      res.end(response.body.string);
    } else {
      for await (const chunk of response.body.asyncIterator) res.write(chunk);
      res.end();
    }
    return true;
  };
}

/** One ApolloServer at `path`; `context` may refuse the caller with `{ refuse: { status, body } }`. */
export function graphqlRoute<TContext extends BaseContext>(
  path: string,
  server: ApolloServer<TContext>,
  context: (req: IncomingMessage) => Promise<TContext | Refusal>,
): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  return httpGraphqlRoute(path, async (httpGraphQLRequest, req) => {
    const resolved = await context(req);
    if ('refuse' in resolved && typeof resolved.refuse === 'object') return resolved;
    return server.executeHTTPGraphQLRequest({ httpGraphQLRequest, context: async () => resolved as TContext });
  });
}
