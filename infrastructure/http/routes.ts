import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler } from './http-server';

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers });
  res.end(text);
}

/**
 * One store a service writes to, as its readiness check sees it. `required`: the service cannot answer without it
 * (its database), so a failure takes it out of rotation; otherwise (Redis, whose events wait in the outbox until it
 * is back) the failure is reported and fails only `?strict=1`.
 */
export interface StoreCheck {
  ping(): Promise<unknown>;
  required: boolean;
}

export interface StoreState {
  state: 'ok' | 'failed';
  required: boolean;
  /** Why it failed, in a few words (the driver's message, cut short). */
  reason?: string;
}

/**
 * `GET /health/live` answers while the process runs. `GET /health/ready` pings every store the service writes to
 * (each within `timeoutMs`) and names each one's state: 200 while every required store answers, 503 otherwise.
 * `?strict=1` is 200 only when every store answers, required or not.
 */
export function healthRoutes(stores: () => Record<string, StoreCheck>, options: { timeoutMs: number }): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  return async (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const url = new URL(req.url ?? '/', 'http://service');
    if (url.pathname === '/health/live') {
      sendJson(res, 200, { status: 'live' });
      return true;
    }
    if (url.pathname !== '/health/ready') return false;
    const strict = isStrict(url.searchParams.get('strict'));
    const states = await checkStores(stores(), options.timeoutMs);
    const failed = Object.values(states).filter((s) => s.state !== 'ok');
    const ready = failed.every((s) => !s.required) && (!strict || failed.length === 0);
    const status = ready ? (failed.length === 0 ? 'ready' : 'degraded') : 'not ready';
    sendJson(res, ready ? 200 : 503, { status, strict, checks: Object.fromEntries(Object.entries(states).map(([name, s]) => [name, s.state === 'ok' ? 'ok' : `failed: ${s.reason}`])), stores: states });
    return true;
  };
}

/** `?strict=1`, `?strict=true` or a bare `?strict`. */
export function isStrict(value: string | null): boolean {
  return value !== null && value !== '0' && value.toLowerCase() !== 'false';
}

/** Pings every store at once, each within `timeoutMs`. */
export async function checkStores(stores: Record<string, StoreCheck>, timeoutMs: number): Promise<Record<string, StoreState>> {
  const entries = await Promise.all(
    Object.entries(stores).map(async ([name, check]): Promise<[string, StoreState]> => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      });
      try {
        await Promise.race([Promise.resolve().then(() => check.ping()), timeout]);
        return [name, { state: 'ok', required: check.required }];
      } catch (error) {
        const reason = (error instanceof Error ? error.message : String(error)).slice(0, 200);
        return [name, { state: 'failed', required: check.required, reason }];
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  return Object.fromEntries(entries);
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
