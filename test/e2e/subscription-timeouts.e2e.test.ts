import { decodeJwt } from 'jose';
import { bearer, graphql } from '../support/graphql-client';
import { startEmbeddedPlatform, type RunningPlatform } from '../support/platform';
import { CREATE_USER, createTenantWithAdmin, PASSWORD, signIn, signInAsAdmin, unique, type TenantWithAdmin } from '../support/scenario';
import { connectSubscriber, openSubscriptionSocket } from '../support/subscription-client';

/**
 * The two closes a subscriber sees from the clock, not from an event: no `connection_init` in time (4408) and the
 * access token's expiry (4401). Embedded only: both are the gateway's timers, the same in either mode. The token
 * lifetime is the shortest identity allows (60 s), so the expiry test waits that long.
 */
describe('subscription sockets closed by the clock', () => {
  let platform: RunningPlatform;
  let url: string;
  let acme: TenantWithAdmin;

  beforeAll(async () => {
    platform = await startEmbeddedPlatform({ env: { LATTICE_ACCESS_TOKEN_TTL: '60', LATTICE_SUBSCRIPTION_INIT_TIMEOUT_MS: '1000' } });
    url = platform.graphqlUrl;
    acme = await createTenantWithAdmin(url, await signInAsAdmin(url));
  }, 120_000);

  afterAll(async () => {
    await platform?.destroy();
  });

  it('closes a socket that sends no connection_init within the init timeout with 4408', async () => {
    const opened = Date.now();
    const socket = await openSubscriptionSocket(url, null);
    const closed = await socket.closed;
    expect(closed.code).toBe(4408);
    expect(Date.now() - opened).toBeGreaterThanOrEqual(900);
    expect(Date.now() - opened).toBeLessThan(5_000);
  }, 15_000);

  it("closes a subscriber with 4401 when its access token expires, after delivering until then; a fresh token subscribes again", async () => {
    const email = `${unique('expiring')}@example.test`;
    const created = await graphql(url, CREATE_USER, { input: { tenantId: acme.tenant.id, email, displayName: 'E', password: PASSWORD, roles: ['member'] } }, bearer(acme.admin.token));
    expect(created.errors).toBeUndefined();
    const token = await signIn(url, email, PASSWORD, acme.tenant.slug);
    const expiresAt = decodeJwt(token).exp! * 1000;
    const socket = await connectSubscriber(url, token);
    socket.subscribe('1', 'subscription { userChanged { type } }');
    await new Promise((r) => setTimeout(r, 200));
    await graphql(url, CREATE_USER, { input: { tenantId: acme.tenant.id, email: `${unique('other')}@example.test`, displayName: 'O', password: PASSWORD } }, bearer(acme.admin.token));
    await socket.waitFor(() => socket.nexts('1').length === 1);

    const closed = await socket.closed;
    const closedAt = Date.now();
    expect(closed).toEqual({ code: 4401, reason: expect.stringMatching(/expired/) });
    // At the token's exp (a second of rounding either way), not at the next event or a keep-alive.
    expect(closedAt).toBeGreaterThanOrEqual(expiresAt - 1_000);
    expect(closedAt).toBeLessThan(expiresAt + 3_000);

    const again = await connectSubscriber(url, await signIn(url, email, PASSWORD, acme.tenant.slug));
    again.subscribe('1', 'subscription { userChanged { type } }');
    await new Promise((r) => setTimeout(r, 200));
    // The admin's token of a minute ago has expired too.
    const admin = await signIn(url, acme.admin.email, PASSWORD, acme.tenant.slug);
    const third = await graphql(url, CREATE_USER, { input: { tenantId: acme.tenant.id, email: `${unique('third')}@example.test`, displayName: 'T', password: PASSWORD } }, bearer(admin));
    expect(third.errors).toBeUndefined();
    await again.waitFor(() => again.nexts('1').length === 1);
    await again.close();
  }, 90_000);
});
