/**
 * Published by identity when it adds a signing key (on demand or on schedule). Gateways refetch JWKS on hearing
 * it, so the new key is known everywhere before it signs its first token.
 */
export const SIGNING_KEY_ROTATED = 'identity.signing-key.rotated';
