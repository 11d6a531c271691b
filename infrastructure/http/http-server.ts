import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../logging/logger';

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void> | void;

export interface RunningHttpServer {
  readonly url: string;
  readonly port: number;
  /** Stops accepting, lets in-flight requests finish for up to the drain timeout, then closes what is left. */
  stop(): Promise<void>;
}

export interface HttpServerOptions {
  name: string;
  host: string;
  port: number;
  drainTimeoutMs: number;
  logger: Logger;
  handler: RequestHandler;
}

export async function startHttpServer(options: HttpServerOptions): Promise<RunningHttpServer> {
  const { logger } = options;
  let inFlight = 0;
  let draining = false;
  const server: Server = createServer((req, res) => {
    inFlight += 1;
    res.on('close', () => {
      inFlight -= 1;
    });
    // While draining, tell keep-alive clients to reconnect elsewhere instead of reusing this socket.
    if (draining) res.setHeader('connection', 'close');
    Promise.resolve(options.handler(req, res)).catch((error: unknown) => {
      logger.error('unhandled error in HTTP handler', { error });
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ errors: [{ message: 'internal error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] }));
      } else {
        res.destroy();
      }
    });
  });
  server.keepAliveTimeout = 5_000;
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = options.host === '0.0.0.0' || options.host === '::' ? '127.0.0.1' : options.host;
  const url = `http://${host}:${address.port}`;
  logger.info(`${options.name} listening`, { url });

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      draining = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const deadline = Date.now() + options.drainTimeoutMs;
      while (inFlight > 0 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 25));
        server.closeIdleConnections();
      }
      if (inFlight > 0) logger.warn(`${options.name}: drain timeout, closing ${inFlight} request(s)`, { inFlight });
      server.closeAllConnections();
      await closed;
      logger.info(`${options.name} stopped`);
    })());

  return { url, port: address.port, stop };
}
