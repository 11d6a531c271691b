import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { API_KEY_EVENTS } from '../../infrastructure/authorization/api-key';
import type { EventBus } from '../../infrastructure/events';
import type { Logger } from '../../infrastructure/logging/logger';
import { ApiKeyAuthenticator } from './api-key-authenticator';
import { ApiKeyCache } from './api-key-cache';
import { ApiKeyIdentityClient } from './api-key-identity-client';
import { apiKeyRevocationPlugin } from './api-key-revocation-plugin';
import { API_KEY_USE_FLUSH_INTERVAL_MS, ApiKeyUsageRecorder } from './api-key-usage';

export interface ApiKeyAuthentication<TContext extends BaseContext> {
  authenticator: ApiKeyAuthenticator;
  /** Forgets a key on the gateway that served its revocation, before answering. */
  plugin: ApolloServerPlugin<TContext>;
  /** Stops listening for revocations and reports the last uses to identity. */
  stop(): Promise<void>;
}

/**
 * Everything the gateway needs for API keys: verification through identity's internal route, the cache, the
 * subscription that carries revocations to this replica, and the timer that reports uses in batches.
 */
export async function startApiKeyAuthentication<TContext extends BaseContext>(options: {
  identityBaseUrl: () => string;
  contextSecret: string;
  bus: EventBus;
  logger: Logger;
}): Promise<ApiKeyAuthentication<TContext>> {
  const identity = new ApiKeyIdentityClient({ identityBaseUrl: options.identityBaseUrl, contextSecret: options.contextSecret });
  const cache = new ApiKeyCache((key) => identity.verify(key));
  const usage = new ApiKeyUsageRecorder((report) => identity.reportUses(report), options.logger);
  // Live before the first request is served: every replica hears every revocation.
  const unsubscribe = await options.bus.subscribe(API_KEY_EVENTS.revoked, (event) => cache.invalidate(event.aggregateId));
  const timer = setInterval(() => void usage.flush(), API_KEY_USE_FLUSH_INTERVAL_MS);
  timer.unref();
  return {
    authenticator: new ApiKeyAuthenticator(cache, usage),
    plugin: apiKeyRevocationPlugin<TContext>(cache),
    async stop() {
      clearInterval(timer);
      await unsubscribe();
      await usage.flush();
    },
  };
}
