import { decodeProtectedHeader } from 'jose';
import { bearer, codesOf, graphql } from '../support/graphql-client';
import { platformModes } from '../support/modes';
import { startDistributedPlatform, startEmbeddedPlatform, type RunningPlatform } from '../support/platform';
import { createTenantWithAdmin, signInAsAdmin } from '../support/scenario';

const ROTATE = 'mutation { rotateSigningKey { kid activatesAt retiringKids } }';
const ME = '{ me { email } }';
/** Short, so the test can watch the key go from published to signing. */
const LEAD_SECONDS = 3;

interface Rotation {
  kid: string;
  activatesAt: string;
  retiringKids: string[];
}

const kidOf = (token: string) => decodeProtectedHeader(token).kid;

describe.each(platformModes())('signing-key rotation (%s mode)', (mode) => {
  let platform: RunningPlatform;
  let adminToken: string;

  const publishedKids = async () => {
    const response = await fetch(`${platform.baseUrl}/.well-known/jwks.json`);
    return ((await response.json()) as { keys: { kid: string }[] }).keys.map((k) => k.kid);
  };

  beforeAll(async () => {
    const env = { LATTICE_SIGNING_KEY_LEAD_SECONDS: String(LEAD_SECONDS) };
    // Distributed: two identity replicas, so the one that did not rotate must switch keys too.
    platform = mode === 'embedded' ? await startEmbeddedPlatform({ env }) : await startDistributedPlatform({ env, extraIdentityReplicas: 1 });
    adminToken = await signInAsAdmin(platform.graphqlUrl);
  }, 120_000);

  afterAll(async () => {
    await platform?.destroy();
  });

  it('publishes the new key before it signs, switches every replica to it when it activates, and old tokens keep working', async () => {
    const oldKid = kidOf(adminToken);
    expect(await publishedKids()).toEqual([oldKid]);

    const response = await graphql<{ rotateSigningKey: Rotation }>(platform.graphqlUrl, ROTATE, {}, bearer(adminToken));
    expect(response.errors).toBeUndefined();
    const rotation = response.data!.rotateSigningKey;
    expect(rotation.retiringKids).toEqual([oldKid]);
    expect(new Date(rotation.activatesAt).getTime()).toBeGreaterThan(Date.now());

    // In JWKS at once, before it has signed anything: tokens issued now still carry the old kid.
    expect((await publishedKids()).sort()).toEqual([oldKid, rotation.kid].sort());
    const beforeActivation = await signInAsAdmin(platform.graphqlUrl);
    if (Date.now() < new Date(rotation.activatesAt).getTime()) expect(kidOf(beforeActivation)).toBe(oldKid);

    await new Promise((r) => setTimeout(r, Math.max(0, new Date(rotation.activatesAt).getTime() - Date.now()) + 200));
    // Every sign-in afterwards, whichever identity replica serves it, is signed with the new key.
    // One after another: more simultaneous sign-ins of one account than the lockout threshold are refused by design.
    const after: string[] = [];
    for (let i = 0; i < 6; i++) after.push(await signInAsAdmin(platform.graphqlUrl));
    expect(after.map(kidOf)).toEqual(Array(6).fill(rotation.kid));

    // The retired key stays published until its tokens have expired, so both generations verify at the gateway.
    expect((await publishedKids()).sort()).toEqual([oldKid, rotation.kid].sort());
    for (const token of [adminToken, beforeActivation, after[0]!]) {
      expect((await graphql(platform.graphqlUrl, ME, {}, bearer(token))).errors).toBeUndefined();
    }
    adminToken = after[0]!;
  });

  it('lets only platform admins rotate: a tenant admin is FORBIDDEN and JWKS is unchanged', async () => {
    const acme = await createTenantWithAdmin(platform.graphqlUrl, adminToken);
    const before = await publishedKids();
    const refused = await graphql(platform.graphqlUrl, ROTATE, {}, bearer(acme.admin.token));
    expect(codesOf(refused)).toEqual(['FORBIDDEN']);
    expect(refused.data ?? null).toBeNull();
    expect(await publishedKids()).toEqual(before);
    expect(codesOf(await graphql(platform.graphqlUrl, ROTATE))).toEqual(['UNAUTHENTICATED']);
  });
});
