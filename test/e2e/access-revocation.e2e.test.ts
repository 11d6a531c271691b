import { bearer, codesOf, graphql } from '../support/graphql-client';
import { platformModes } from '../support/modes';
import { startDistributedPlatform, startEmbeddedPlatform, type RunningPlatform } from '../support/platform';
import { CREATE_USER, createTenantWithAdmin, PASSWORD, signIn, signInAsAdmin, unique, type TenantWithAdmin } from '../support/scenario';

const ME = '{ me { id } }';
/** Events reach the gateways within milliseconds; this only bounds the wait. */
const BOUND_MS = 5_000;

describe.each(platformModes())('access ended before the token expires (%s mode)', (mode) => {
  let platform: RunningPlatform;
  let gateways: string[];
  let acme: TenantWithAdmin;

  beforeAll(async () => {
    // Distributed: a second gateway must hear the revocation through Redis too.
    platform = mode === 'embedded' ? await startEmbeddedPlatform() : await startDistributedPlatform({ extraGateways: 1 });
    gateways = [platform.graphqlUrl, ...(platform.extraGateways ?? [])];
    acme = await createTenantWithAdmin(platform.graphqlUrl, await signInAsAdmin(platform.graphqlUrl));
  }, 120_000);

  afterAll(async () => {
    await platform?.destroy();
  });

  const newUser = async () => {
    const email = `${unique('u')}@example.test`;
    const created = await graphql<{ createUser: { id: string } }>(
      platform.graphqlUrl,
      CREATE_USER,
      { input: { tenantId: acme.tenant.id, email, displayName: 'U', password: PASSWORD } },
      bearer(acme.admin.token),
    );
    return { id: created.data!.createUser.id, signIn: () => signIn(platform.graphqlUrl, email, PASSWORD, acme.tenant.slug) };
  };

  /** The codes `me` answers with on every gateway, once they have settled or the bound has passed. */
  const settledCodes = async (token: string, expected: string[]) => {
    const deadline = Date.now() + BOUND_MS;
    for (;;) {
      const codes = await Promise.all(gateways.map(async (url) => codesOf(await graphql(url, ME, {}, bearer(token)))[0] ?? 'OK'));
      if (codes.every((c) => c === expected[0]) || Date.now() > deadline) return codes;
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  it("refuses a signed-out session's access token on every gateway, and leaves the user's other sessions alone", async () => {
    const user = await newUser();
    const [first, second] = [await user.signIn(), await user.signIn()];
    expect(await settledCodes(first, ['OK'])).toEqual(gateways.map(() => 'OK'));
    expect((await graphql<{ signOut: boolean }>(platform.graphqlUrl, 'mutation { signOut }', {}, bearer(first))).data?.signOut).toBe(true);
    expect(await settledCodes(first, ['UNAUTHENTICATED'])).toEqual(gateways.map(() => 'UNAUTHENTICATED'));
    expect(await settledCodes(second, ['OK'])).toEqual(gateways.map(() => 'OK'));
  });

  it("refuses a suspended user's existing tokens even after reactivation, until they sign in again", async () => {
    const user = await newUser();
    const token = await user.signIn();
    const admin = (query: string) => graphql(platform.graphqlUrl, query, { i: { id: user.id } }, bearer(acme.admin.token));
    expect((await admin('mutation($i: SuspendUserInput!) { suspendUser(input: $i) { id } }')).errors).toBeUndefined();
    expect(await settledCodes(token, ['UNAUTHENTICATED'])).toEqual(gateways.map(() => 'UNAUTHENTICATED'));
    expect((await admin('mutation($i: ReactivateUserInput!) { reactivateUser(input: $i) { id } }')).errors).toBeUndefined();
    expect(await settledCodes(token, ['UNAUTHENTICATED'])).toEqual(gateways.map(() => 'UNAUTHENTICATED'));
    // A token issued after the suspension's second is a new grant of access.
    await new Promise((r) => setTimeout(r, 1_100));
    expect(await settledCodes(await user.signIn(), ['OK'])).toEqual(gateways.map(() => 'OK'));
  });
});
