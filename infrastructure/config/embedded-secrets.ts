import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LatticeConfig } from './config';

/**
 * The embedded platform needs a context secret but must start with no configuration: it makes one on first
 * start and keeps it (owner-readable only) in the data dir, so tokens and encrypted keys survive restarts.
 */
export function withEmbeddedSecrets(config: LatticeConfig): LatticeConfig {
  if (config.contextSecret) return config;
  // Created readable by this user only: it holds the secret and the databases (their sockets included).
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const path = join(config.dataDir, 'secrets.json');
  if (!existsSync(path)) {
    const contextSecret = randomBytes(32).toString('base64url');
    writeFileSync(path, JSON.stringify({ contextSecret }, null, 2), { mode: 0o600, flag: 'wx' });
    return { ...config, contextSecret };
  }
  let stored: unknown;
  try {
    stored = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    stored = undefined;
  }
  const contextSecret = (stored as { contextSecret?: unknown } | undefined)?.contextSecret;
  if (typeof contextSecret !== 'string' || contextSecret.length < 32) {
    // Regenerating would silently orphan the encrypted signing keys, so refuse and say why.
    throw new Error(`${path} is unreadable or has no contextSecret; restore it from backup (signing keys are encrypted with it)`);
  }
  return { ...config, contextSecret };
}
