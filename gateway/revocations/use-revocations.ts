import type { GatewaySettings } from '../../infrastructure/config/config';
import type { EventBus } from '../../infrastructure/events';
import type { GatewayFeature } from '../core/feature';
import { ACCESS_REVOCATION_EVENTS, ACCESS_TOKEN_MAX_TTL_SECONDS, AccessRevocations } from './access-revocations';

/**
 * `useRevocations`: sign-outs, suspensions and deletions end access on every gateway before the tokens expire.
 * Subscribed before the first request is served, so every replica hears every revocation from then on.
 */
export async function useRevocations(options: { bus: EventBus; settings: GatewaySettings }): Promise<GatewayFeature> {
  // Remembered for the longest access-token lifetime identity can be configured with (LATTICE_ACCESS_TOKEN_TTL).
  const revocations = new AccessRevocations(ACCESS_TOKEN_MAX_TTL_SECONDS * 1000, options.settings.caches.revocations);
  const unsubscribe = await options.bus.subscribe(ACCESS_REVOCATION_EVENTS, (event) => revocations.apply(event));
  return {
    name: 'revocations',
    context(_input, context) {
      const { principal } = context.request;
      revocations.check(principal, principal.issuedAt);
    },
    stop: unsubscribe,
  };
}
