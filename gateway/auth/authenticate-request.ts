import { ANONYMOUS, type Principal } from '../../infrastructure/context/request-context';
import { errors } from '../../infrastructure/errors/error-codes';
import { credential, type ConnectionInput, type GatewayFeature } from '../core/feature';

/** Turns a bearer credential into the caller, or refuses it (UNAUTHENTICATED). */
export interface CredentialVerifier {
  verify(token: string): Promise<Principal>;
}

/**
 * No Authorization is an anonymous caller (fields decide what anonymous may do); a malformed or bad one is refused.
 * `input` is an HTTP request's headers or a WebSocket's connection params alike.
 */
export async function authenticate(input: ConnectionInput, verifier: CredentialVerifier): Promise<Principal> {
  const header = credential(input, 'authorization');
  if (header === undefined || header.trim() === '') return ANONYMOUS;
  const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
  if (!match) throw errors.unauthenticated('the Authorization header must be "Bearer <access token>" or "Bearer lat_<API key>"');
  return verifier.verify(match[1]!);
}

/** `useAuthentication`: every request and connection gets its principal from its bearer credential. */
export function useAuthentication(verifier: CredentialVerifier): GatewayFeature {
  return {
    name: 'authentication',
    async context(input, context) {
      context.request.principal = await authenticate(input, verifier);
    },
  };
}
