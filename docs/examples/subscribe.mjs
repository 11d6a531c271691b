// Signs in and prints the tenant's live events: `node docs/examples/subscribe.mjs` (docs/subscriptions.md).
// LATTICE_URL (default http://localhost:4000/graphql), LATTICE_EMAIL, LATTICE_PASSWORD, LATTICE_TENANT (a slug; omit
// for a platform admin), or LATTICE_TOKEN (an access token or a lat_ API key) instead of signing in.
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const url = process.env.LATTICE_URL ?? 'http://localhost:4000/graphql';

async function signIn() {
  if (process.env.LATTICE_TOKEN) return process.env.LATTICE_TOKEN;
  const input = { email: process.env.LATTICE_EMAIL, password: process.env.LATTICE_PASSWORD, ...(process.env.LATTICE_TENANT ? { tenantSlug: process.env.LATTICE_TENANT } : {}) };
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: 'mutation($input: SignInInput!) { signIn(input: $input) { accessToken } }', variables: { input } }),
  });
  const { data, errors } = await response.json();
  if (!data?.signIn) throw new Error(`sign-in failed: ${JSON.stringify(errors)}`);
  return data.signIn.accessToken;
}

const token = await signIn();
const client = createClient({
  url: url.replace(/^http/, 'ws'),
  webSocketImpl: WebSocket,
  connectionParams: { authorization: `Bearer ${token}` },
  // 4401 (token expired, session ended) and 4403 (tenant suspended) are final here: sign in again to go on.
  retryAttempts: 0,
  on: { closed: (event) => console.error(`closed: ${event.code} ${event.reason}`) },
});

const subscribe = (name, query) =>
  (async () => {
    for await (const result of client.iterate({ query })) console.log(name, JSON.stringify(result.errors ?? result.data));
  })().catch((error) => console.error(name, 'ended:', error?.message ?? JSON.stringify(error)));

console.error(`listening at ${url} (Ctrl-C to stop)`);
await Promise.all([
  subscribe('user', 'subscription { userChanged { type occurredAt user { email displayName tenant { name } } } }'),
  subscribe('audit', 'subscription { auditEventRecorded { sequence type actor { email } } }'),
]);
client.dispose();
