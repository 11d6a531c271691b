import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler } from './http-server';

export type Readiness = () => Promise<{ ready: boolean; checks: Record<string, string> }>;

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers });
  res.end(text);
}

/** `GET /health/live` answers while the process runs; `GET /health/ready` only when every dependency answers. */
export function healthRoutes(readiness: Readiness): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  return async (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    if (path === '/health/live') {
      sendJson(res, 200, { status: 'live' });
      return true;
    }
    if (path === '/health/ready') {
      const { ready, checks } = await readiness().catch((error: unknown) => ({
        ready: false,
        checks: { readiness: error instanceof Error ? error.message : 'failed' },
      }));
      sendJson(res, ready ? 200 : 503, { status: ready ? 'ready' : 'not ready', checks });
      return true;
    }
    return false;
  };
}

/** Routes in order; the first that handles the request wins, otherwise 404. */
export function routeChain(...routes: ((req: IncomingMessage, res: ServerResponse) => Promise<boolean>)[]): RequestHandler {
  return async (req, res) => {
    for (const route of routes) {
      if (await route(req, res)) return;
    }
    sendJson(res, 404, { errors: [{ message: `no route for ${req.method} ${req.url}`, extensions: { code: 'NOT_FOUND' } }] });
  };
}
