import type { IncomingMessage, ServerResponse } from 'node:http';
import { HeaderMap, type ApolloServer, type BaseContext } from '@apollo/server';
import { BodyTooLarge, readBody } from './read-body';
import { sendJson } from './routes';

const MAX_BODY_BYTES = 1024 * 1024;

/**
 * Serves an ApolloServer at `path` on a plain node:http server (Apollo Server 5 ships no HTTP framework).
 * `context` may throw a GraphQLError-shaped refusal by returning `{ refuse: { status, body } }`.
 */
export function graphqlRoute<TContext extends BaseContext>(
  path: string,
  server: ApolloServer<TContext>,
  context: (req: IncomingMessage) => Promise<TContext | { refuse: { status: number; body: unknown } }>,
): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  return async (req, res) => {
    const [pathname, search = ''] = (req.url ?? '/').split('?', 2) as [string, string?];
    if (pathname !== path) return false;
    let body: unknown;
    if (req.method === 'POST') {
      let text: string;
      try {
        text = await readBody(req, MAX_BODY_BYTES);
      } catch (error) {
        if (error instanceof BodyTooLarge) {
          sendJson(res, 413, { errors: [{ message: `request body exceeds ${MAX_BODY_BYTES} bytes`, extensions: { code: 'BAD_USER_INPUT' } }] });
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
    const resolved = await context(req);
    if ('refuse' in resolved && typeof resolved.refuse === 'object') {
      sendJson(res, resolved.refuse.status, resolved.refuse.body);
      return true;
    }
    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    }
    const response = await server.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: req.method ?? 'GET', headers, search, body },
      context: async () => resolved as TContext,
    });
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
