import { API_KEY_EVENTS, isApiKeyToken } from '../../infrastructure/authorization/api-key';
import type { GatewaySettings } from '../../infrastructure/config/config';
import type { EventBus } from '../../infrastructure/events';
import type { Logger } from '../../infrastructure/logging/logger';
import type { BearerScheme } from '../auth/bearer-credential-verifier';
import type { GatewayFeature } from '../core/feature';
import { forgetAfterMutation } from '../core/mutation-input-ids';
import { ApiKeyAuthenticator } from './api-key-authenticator';
import { ApiKeyCache } from './api-key-cache';
import { ApiKeyIdentityClient } from './api-key-identity-client';
import { REVOKE_MUTATIONS } from './api-key-revocation';
import { ApiKeyUsageRecorder } from './api-key-usage';

/**
 * `useApiKeys`: `Bearer lat_…` is checked with identity over its signed internal route, cached per replica,
 * forgotten on every replica when identity announces a revocation (and at once on the replica that served
 * `revokeApiKey`), and each key's uses are reported to identity in batches. See docs/security.md, API keys.
 */
export async function useApiKeys(options: {
  identityBaseUrl: () => string;
  contextSecret: string;
  bus: EventBus;
  logger: Logger;
  settings: GatewaySettings;
}): Promise<{ feature: GatewayFeature; scheme: BearerScheme }> {
  const { settings } = options;
  const identity = new ApiKeyIdentityClient({ identityBaseUrl: options.identityBaseUrl, contextSecret: options.contextSecret, timeoutMs: settings.timeouts.apiKeyVerifyMs });
  const cache = new ApiKeyCache((key) => identity.verify(key), {
    ttlMs: settings.apiKeyCacheTtlMs,
    maxEntries: settings.caches.apiKeys,
    // While the bus is down a revocation cannot reach this replica: answers are trusted only for the outage window.
    connectivity: options.bus.connectivity,
    outageWindowMs: settings.busOutageWindowMs,
  });
  const usage = new ApiKeyUsageRecorder((report) => identity.reportUses(report), options.logger);
  // Live before the first request is served: every replica hears every revocation.
  const unsubscribe = await options.bus.subscribe(API_KEY_EVENTS.revoked, (event) => cache.invalidate(event.aggregateId));
  const timer = setInterval(() => void usage.flush(), settings.apiKeyUseFlushMs);
  timer.unref();
  const authenticator = new ApiKeyAuthenticator(cache, usage);
  return {
    scheme: { name: 'api-keys', accepts: (token) => isApiKeyToken(token), verifier: { verify: (key) => authenticator.authenticate(key) } },
    feature: {
      name: 'api-keys',
      // Forgetting is harmless when the mutation was refused: it costs one question to identity, so a caller who may
      // not revoke the key cannot use this to lock it out.
      afterOperation: forgetAfterMutation(REVOKE_MUTATIONS, (id) => cache.invalidate(id)),
      async stop() {
        clearInterval(timer);
        await unsubscribe();
        await usage.flush();
      },
    },
  };
}
