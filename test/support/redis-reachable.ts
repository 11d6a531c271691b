import { spawnSync } from 'node:child_process';

/**
 * Jest collects tests synchronously, so whether to skip is decided by a child process we can
 * wait for: it connects with ioredis (auth, TLS and db from the URL) and sends PING.
 */
export function canReachRedis(url: string, timeoutMs: number): boolean {
  const script = `
    const { Redis } = require(${JSON.stringify(require.resolve('ioredis'))});
    const redis = new Redis(process.argv[1], { lazyConnect: true, connectTimeout: ${timeoutMs}, maxRetriesPerRequest: 0, retryStrategy: () => null });
    redis.on('error', () => {});
    redis.connect().then(() => redis.ping()).then(() => process.exit(0), () => process.exit(1));
  `;
  const result = spawnSync(process.execPath, ['-e', script, url], { stdio: 'ignore', timeout: timeoutMs + 2000 });
  return result.status === 0;
}
