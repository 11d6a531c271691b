import type { GatewaySettings } from '../../infrastructure/config/config';
import type { EventBus } from '../../infrastructure/events';
import type { GatewayFeature } from '../core/feature';
import { accessCheckClient } from './access-check-client';
import { ACCESS_REVOCATION_EVENTS, ACCESS_TOKEN_MAX_TTL_SECONDS, AccessRevocations } from './access-revocations';

/**
 * `useRevocations`: sign-outs, suspensions and deletions end access on every gateway before the tokens expire.
 * Subscribed before the first request is served, so every replica hears every revocation from then on; while the bus
 * is down, sessions are confirmed with identity instead (docs/security.md, "Revocations").
 */
export async function useRevocations(options: { bus: EventBus; settings: GatewaySettings; identityBaseUrl: () => string; contextSecret: string }): Promise<GatewayFeature> {
  const { settings } = options;
  // Remembered for the longest access-token lifetime identity can be configured with (LATTICE_ACCESS_TOKEN_TTL).
  const revocations = new AccessRevocations(ACCESS_TOKEN_MAX_TTL_SECONDS * 1000, {
    maxEntries: settings.caches.revocations,
    confirmAccess: accessCheckClient({ identityBaseUrl: options.identityBaseUrl, contextSecret: options.contextSecret, timeoutMs: settings.timeouts.accessCheckMs }),
    connectivity: options.bus.connectivity,
    outageWindowMs: settings.busOutageWindowMs,
    // One confirmation per live session, and a verified token per session: the same population.
    maxConfirmations: settings.caches.verifiedTokens,
  });
  const unsubscribe = await options.bus.subscribe(ACCESS_REVOCATION_EVENTS, (event) => revocations.apply(event));
  return {
    name: 'revocations',
    async context(_input, context) {
      const { principal } = context.request;
      await revocations.check(principal, principal.issuedAt);
    },
    stop: unsubscribe,
  };
}
