import { Algorithm, hash, verify } from '@node-rs/argon2';

/** OWASP's argon2id baseline: 19 MiB, 2 iterations, 1 lane. */
const ARGON2_OPTIONS = { algorithm: Algorithm.Argon2id, memoryCost: 19 * 1024, timeCost: 2, parallelism: 1 } as const;

export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 128;

// The async hash and verify of @node-rs/argon2 run on libuv's thread pool, never on the event loop.
export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2_OPTIONS);
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

let decoyHash: Promise<string> | undefined;
/** A real hash to verify against when the account does not exist, so unknown e-mails cost the same time as wrong passwords. */
export function decoyPasswordHash(): Promise<string> {
  decoyHash ??= hashPassword('lattice-decoy-password-for-timing');
  return decoyHash;
}
