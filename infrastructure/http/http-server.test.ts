import { WebSocket, WebSocketServer } from 'ws';
import { loggerOver } from '../logging/logger';
import { startHttpServer, type UpgradeHandler } from './http-server';

const silent = loggerOver({ write: () => undefined });

/** A WebSocket endpoint at /ws, as the subscriptions feature will plug one in. */
function webSocketUpgrade(): UpgradeHandler {
  const wss = new WebSocketServer({ noServer: true });
  wss.on('connection', (socket) => socket.on('message', (data) => socket.send(data)));
  return {
    handleUpgrade(req, socket, head) {
      if (req.url !== '/ws') return false;
      wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
      return true;
    },
    async closeAll(code, reason) {
      const open = [...wss.clients];
      for (const client of open) client.close(code, reason);
      await Promise.all(open.map((client) => new Promise((resolve) => (client.readyState === WebSocket.CLOSED ? resolve(null) : client.once('close', resolve)))));
    },
  };
}

const connect = (url: string) =>
  new Promise<WebSocket>((resolve, reject) => {
    const socket = new WebSocket(url);
    socket.once('open', () => resolve(socket));
    socket.once('error', reject);
  });

describe('the HTTP server with an upgrade handler', () => {
  it('hands WebSocket upgrades to the handler and counts the open sockets', async () => {
    const server = await startHttpServer({ name: 'test', host: '127.0.0.1', port: 0, drainTimeoutMs: 100, logger: silent, handler: (_req, res) => void res.end('ok'), upgrade: webSocketUpgrade() });
    const socket = await connect(`${server.url.replace('http', 'ws')}/ws`);
    const echoed = new Promise<string>((resolve) => socket.once('message', (data: Buffer) => resolve(data.toString())));
    socket.send('hello');
    expect(await echoed).toBe('hello');
    expect(server.openSockets()).toBe(1);
    socket.close();
    await new Promise((r) => socket.once('close', r));
    await new Promise((r) => setTimeout(r, 50));
    expect(server.openSockets()).toBe(0);
    await server.stop();
  });

  it('answers 404 to an upgrade nobody takes', async () => {
    const server = await startHttpServer({ name: 'test', host: '127.0.0.1', port: 0, drainTimeoutMs: 100, logger: silent, handler: (_req, res) => void res.end('ok'), upgrade: webSocketUpgrade() });
    await expect(connect(`${server.url.replace('http', 'ws')}/elsewhere`)).rejects.toThrow(/404/);
    expect(server.openSockets()).toBe(0);
    await server.stop();
  });

  it('on stop, lets sockets stay for the drain timeout, then closes them with 1001', async () => {
    const drainTimeoutMs = 300;
    const server = await startHttpServer({ name: 'test', host: '127.0.0.1', port: 0, drainTimeoutMs, logger: silent, handler: (_req, res) => void res.end('ok'), upgrade: webSocketUpgrade() });
    const socket = await connect(`${server.url.replace('http', 'ws')}/ws`);
    const closed = new Promise<{ code: number; at: number }>((resolve) => socket.once('close', (code: number) => resolve({ code, at: Date.now() })));
    const stopping = Date.now();
    await server.stop();
    const { code, at } = await closed;
    expect(code).toBe(1001);
    expect(at - stopping).toBeGreaterThanOrEqual(drainTimeoutMs - 20);
    // A stopped server takes no new connections.
    await expect(connect(`${server.url.replace('http', 'ws')}/ws`)).rejects.toThrow();
  });
});
