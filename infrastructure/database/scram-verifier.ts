import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * PostgreSQL's SCRAM-SHA-256 password verifier (`SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`, RFC 5803),
 * computed here so `CREATE ROLE … PASSWORD` carries the verifier and never the password: a server that logs
 * statements (`log_statement = ddl`) logs no secret. PostgreSQL stores a verifier it is given as it is.
 *
 * Passwords are printable ASCII (config.ts refuses others for db:init), for which SASLprep, which PostgreSQL applies to the
 * password at login, changes nothing; so the verifier computed from the raw bytes is the one the server expects.
 */
const PREFIX = 'SCRAM-SHA-256';
const DEFAULT_ITERATIONS = 4096;

export function scramVerifier(password: string, salt: Buffer = randomBytes(16), iterations = DEFAULT_ITERATIONS): string {
  const { storedKey, serverKey } = keys(password, salt, iterations);
  return `${PREFIX}$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}

/** Whether `verifier` (as read from pg_authid) accepts `password`. Anything but a SCRAM verifier (md5, none) does not. */
export function verifierAccepts(verifier: string | null, password: string): boolean {
  const match = verifier ? /^SCRAM-SHA-256\$(\d+):([^$]+)\$([^:]+):(.+)$/.exec(verifier) : null;
  if (!match) return false;
  const [, iterations, salt, stored] = match as unknown as [string, string, string, string];
  const { storedKey } = keys(password, Buffer.from(salt, 'base64'), Number(iterations));
  const expected = Buffer.from(stored, 'base64');
  return expected.length === storedKey.length && timingSafeEqual(expected, storedKey);
}

function keys(password: string, salt: Buffer, iterations: number): { storedKey: Buffer; serverKey: Buffer } {
  const salted = pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  return { storedKey: createHash('sha256').update(clientKey).digest(), serverKey: createHmac('sha256', salted).update('Server Key').digest() };
}
