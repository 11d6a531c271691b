import { randomBytes, timingSafeEqual } from 'node:crypto';
import { API_KEY_SECRET_BYTES, formatApiKey, hashApiKey } from '../../../infrastructure/authorization/api-key';

export interface IssuedApiKey {
  /** The whole key, shown to its creator once. */
  key: string;
  /** What is stored instead. SHA-256 suffices: 256 random bits leave nothing to guess or brute-force. */
  hash: string;
  last4: string;
}

export function issueApiKey(keyId: string): IssuedApiKey {
  const key = formatApiKey(keyId, randomBytes(API_KEY_SECRET_BYTES).toString('base64url'));
  return { key, hash: hashApiKey(key), last4: key.slice(-4) };
}

/** Compares in constant time, so response timing says nothing about how much of a guessed key was right. */
export function apiKeyMatches(key: string, storedHash: string): boolean {
  const given = Buffer.from(hashApiKey(key), 'hex');
  const stored = Buffer.from(storedHash, 'hex');
  return given.length === stored.length && timingSafeEqual(given, stored);
}
