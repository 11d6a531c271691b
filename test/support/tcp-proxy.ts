import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy in front of one server (Redis, for a test), to make a network outage on one client's path only:
 * `cut()` drops every connection and refuses new ones, `stall()` keeps the sockets open but passes nothing (a
 * silently dead link), `restore()` lets traffic through again.
 */
export interface TcpProxy {
  /** `127.0.0.1:<port>` clients connect to instead of the target. */
  readonly host: string;
  readonly port: number;
  /** The target URL with its host and port swapped for the proxy's (`redis://127.0.0.1:6379` → `redis://127.0.0.1:<port>`). */
  url(targetUrl: string): string;
  cut(): void;
  stall(): void;
  restore(): void;
  close(): Promise<void>;
}

type Mode = 'open' | 'cut' | 'stalled';

interface Pair {
  client: Socket;
  upstream: Socket;
  /** What arrived while stalled, each chunk with the socket it is for; sent in order on restore. */
  held: { to: Socket; chunk: Buffer }[];
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  let mode: Mode = 'open';
  const pairs = new Set<Pair>();
  const server: Server = createServer((client) => {
    if (mode === 'cut') {
      client.destroy();
      return;
    }
    const pair: Pair = { client, upstream: connect(target.port, target.host), held: [] };
    pairs.add(pair);
    const forward = (to: Socket) => (chunk: Buffer) => {
      if (mode === 'stalled') pair.held.push({ to, chunk });
      else to.write(chunk);
    };
    client.on('data', forward(pair.upstream));
    pair.upstream.on('data', forward(client));
    const drop = () => {
      pairs.delete(pair);
      client.destroy();
      pair.upstream.destroy();
    };
    client.on('error', drop).on('close', drop);
    pair.upstream.on('error', drop).on('close', drop);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('tcp proxy: no port');
  const port = address.port;
  const cut = () => {
    mode = 'cut';
    for (const { client, upstream } of [...pairs]) {
      client.destroy();
      upstream.destroy();
    }
    pairs.clear();
  };

  return {
    host: '127.0.0.1',
    port,
    url(targetUrl) {
      const url = new URL(targetUrl);
      url.hostname = '127.0.0.1';
      url.port = String(port);
      return url.toString();
    },
    cut,
    stall() {
      mode = 'stalled';
    },
    restore() {
      mode = 'open';
      for (const pair of pairs) for (const { to, chunk } of pair.held.splice(0)) to.write(chunk);
    },
    async close() {
      cut();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
