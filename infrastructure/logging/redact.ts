const SECRET_KEY = /pass(word)?|secret|token|authorization|cookie|hash|private|api[-_]?key|credential/i;
export const REDACTED = '[redacted]';

/** Replaces the value of every key that names a secret, at any depth. Logs never carry a password, hash or token. */
export function redactSecrets(value: unknown, depth = 0): unknown {
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  // Stacks belong in the logs (never in responses); the message is kept as thrown.
  if (value instanceof Error) return { name: value.name, message: value.message, stack: value.stack };
  if (Array.isArray(value)) return value.map((v) => redactSecrets(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    out[key] = SECRET_KEY.test(key) ? REDACTED : redactSecrets(v, depth + 1);
  }
  return out;
}
