import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from '../logging/logger';

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void> | void;

/**
 * Takes over connections that ask to upgrade (WebSocket). The server counts the sockets it hands over and, on
 * stop, tells the handler to close those still open once the drain timeout has passed.
 */
export interface UpgradeHandler {
  /** Takes the socket and returns true, or returns false to let the server answer 404 and close it. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  /** Closes every socket it holds with this close code (1001 "going away" on shutdown); resolves once they are closed. */
  closeAll(code: number, reason: string): Promise<void>;
}

export interface RunningHttpServer {
  readonly url: string;
  readonly port: number;
  /** Upgraded sockets (WebSockets) open right now. */
  openSockets(): number;
  /**
   * Stops accepting, lets in-flight requests and open sockets finish for up to the drain timeout, then closes
   * the sockets still open with close code 1001 and what is left of the requests.
   */
  stop(): Promise<void>;
}

export interface HttpServerOptions {
  name: string;
  host: string;
  port: number;
  drainTimeoutMs: number;
  logger: Logger;
  handler: RequestHandler;
  upgrade?: UpgradeHandler;
}

/** The close code a socket gets when the server stops: "going away". */
export const SHUTDOWN_CLOSE_CODE = 1001;
/** How long the upgrade handler has to close its sockets cleanly before they are destroyed. */
const CLOSE_GRACE_MS = 1_000;

export async function startHttpServer(options: HttpServerOptions): Promise<RunningHttpServer> {
  const { logger } = options;
  let inFlight = 0;
  let draining = false;
  const sockets = new Set<Duplex>();
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
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const refuse = (status: string) => {
      socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
      socket.destroy();
    };
    if (draining) return refuse('503 Service Unavailable');
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    let taken = false;
    try {
      taken = options.upgrade?.handleUpgrade(req, socket, head) ?? false;
    } catch (error) {
      logger.error('unhandled error in upgrade handler', { error });
    }
    if (!taken) {
      sockets.delete(socket);
      refuse('404 Not Found');
    }
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
      while ((inFlight > 0 || sockets.size > 0) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 25));
        server.closeIdleConnections();
      }
      if (inFlight > 0) logger.warn(`${options.name}: drain timeout, closing ${inFlight} request(s)`, { inFlight });
      if (sockets.size > 0) {
        logger.info(`${options.name}: closing ${sockets.size} open socket(s) with code ${SHUTDOWN_CLOSE_CODE}`, { sockets: sockets.size });
        const grace = new Promise((r) => setTimeout(r, CLOSE_GRACE_MS).unref());
        await Promise.race([options.upgrade?.closeAll(SHUTDOWN_CLOSE_CODE, 'server shutting down').catch(() => undefined), grace]);
        for (const socket of sockets) socket.destroy();
      }
      server.closeAllConnections();
      await closed;
      logger.info(`${options.name} stopped`);
    })());

  return { url, port: address.port, openSockets: () => sockets.size, stop };
}
