import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { ADMIN_EMAIL, ADMIN_PASSWORD, startPlatform, type RunningPlatform } from '../support/platform';
import { platformModes } from '../support/modes';
import { bearer, codesOf, graphql, type GraphQLResponse } from '../support/graphql-client';
import { CREATE_USER, createTenantWithAdmin, emailsOf, PASSWORD, SIGN_IN, signInAsAdmin, unique, USERS, type TenantWithAdmin } from '../support/scenario';

/**
 * Sessions and sign-in protection, through the gateway: refresh-token rotation and reuse detection, sign-out,
 * account lockout and the per-address limit, the password policy and changePassword.
 */
const REFRESH = `mutation Refresh($input: RefreshTokenInput!) { refreshToken(input: $input) { accessToken refreshToken expiresAt user { id roles } } }`;
const SIGN_OUT = 'mutation { signOut }';
const SIGN_OUT_EVERYWHERE = 'mutation { signOutEverywhere }';
const CHANGE_PASSWORD = 'mutation Change($input: ChangePasswordInput!) { changePassword(input: $input) }';
const ME = '{ me { id email } }';
const LOCKED_HINT = /after repeated failures sign-in is paused/;

interface Tokens {
  accessToken: string;
  refreshToken: string;
}
type AuthResponse = GraphQLResponse<{ signIn?: Tokens; refreshToken?: Tokens & { user: { id: string; roles: string[] } } }>;

/** A GraphQL call from a chosen loopback address, so one test's failures do not count against another's address. */
function graphqlFrom<T = Record<string, unknown>>(localAddress: string, url: string, query: string, variables: Record<string, unknown>): Promise<GraphQLResponse<T>> {
  const body = JSON.stringify({ query, variables });
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'POST', localAddress, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        try {
          resolve({ status: res.statusCode ?? 0, ...(JSON.parse(text) as Omit<GraphQLResponse<T>, 'status'>) });
        } catch (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
        }
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

const claimsOf = (accessToken: string) => JSON.parse(Buffer.from(accessToken.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;

/** The answer as a caller can compare it: codes and messages, nothing that varies per request. */
const answerOf = (response: GraphQLResponse) => ({ data: response.data ?? null, codes: codesOf(response), messages: (response.errors ?? []).map((e) => e.message) });

describe.each(platformModes())('sessions and sign-in protection (%s mode)', (mode) => {
  let platform: RunningPlatform;
  let url: string;
  let platformToken: string;
  let acme: TenantWithAdmin;

  /** Sign-in from 127.0.0.1, or from another loopback address for tests whose failures must not add up. */
  const signIn = (email: string, password: string, tenantSlug?: string, from?: string): Promise<AuthResponse> => {
    const variables = { input: { email, password, ...(tenantSlug ? { tenantSlug } : {}) } };
    return from ? graphqlFrom(from, url, SIGN_IN, variables) : graphql(url, SIGN_IN, variables);
  };
  const refresh = (refreshToken: string): Promise<AuthResponse> => graphql(url, REFRESH, { input: { refreshToken } });

  /** A fresh member of acme, and a way to open sessions as them. */
  const newMember = async (password = PASSWORD) => {
    const email = `${unique('member')}@example.test`;
    const created = await graphql<{ createUser: { id: string } }>(
      url,
      CREATE_USER,
      { input: { tenantId: acme.tenant.id, email, displayName: 'Member', password } },
      bearer(acme.admin.token),
    );
    if (!created.data?.createUser) throw new Error(JSON.stringify(created.errors));
    const session = async (pw = password): Promise<Tokens> => {
      const response = await signIn(email, pw, acme.tenant.slug);
      if (!response.data?.signIn) throw new Error(JSON.stringify(response.errors));
      return response.data.signIn;
    };
    return { id: created.data.createUser.id, email, session };
  };

  beforeAll(async () => {
    platform = await startPlatform(mode);
    url = platform.graphqlUrl;
    platformToken = await signInAsAdmin(url);
    acme = await createTenantWithAdmin(url, platformToken);
  }, 120_000);

  afterAll(async () => {
    await platform?.destroy();
  });

  describe('refresh tokens', () => {
    it('rotates the refresh token on every exchange, and each new access token works', async () => {
      const member = await newMember();
      const first = await member.session();
      const second = await refresh(first.refreshToken);
      expect(second.errors).toBeUndefined();
      const rotated = second.data!.refreshToken!;
      expect(rotated.refreshToken).not.toBe(first.refreshToken);
      expect(rotated.user.id).toBe(member.id);
      expect((await graphql(url, ME, {}, bearer(rotated.accessToken))).data).toEqual({ me: { id: member.id, email: member.email } });
      // The session continues for as long as each successor is used once.
      const third = await refresh(rotated.refreshToken);
      expect(third.errors).toBeUndefined();
      // Access tokens of one session share its id, so signOut knows which session to end.
      expect(claimsOf(third.data!.refreshToken!.accessToken).sid).toBe(claimsOf(first.accessToken).sid);
    });

    it('rotates and ends the sessions of platform users, who belong to no tenant, the same way', async () => {
      const session = (await signIn(ADMIN_EMAIL, ADMIN_PASSWORD)).data!.signIn!;
      const rotated = await refresh(session.refreshToken);
      expect(rotated.errors).toBeUndefined();
      const current = rotated.data!.refreshToken!;
      expect(claimsOf(current.accessToken).tid).toBeNull();
      expect((await graphql(url, SIGN_OUT, {}, bearer(current.accessToken))).data).toEqual({ signOut: true });
      expect(codesOf(await refresh(current.refreshToken))).toEqual(['UNAUTHENTICATED']);
    });

    it('ends the whole session when an already-used refresh token is presented again, and no other session', async () => {
      const member = await newMember();
      const stolen = await member.session();
      const other = await member.session();
      const successor = (await refresh(stolen.refreshToken)).data!.refreshToken!;

      const reuse = await refresh(stolen.refreshToken);
      expect(codesOf(reuse)).toEqual(['UNAUTHENTICATED']);
      expect(reuse.data).toBeNull();
      // The newest token of that session fails too: whoever held it is signed out.
      expect(codesOf(await refresh(successor.refreshToken))).toEqual(['UNAUTHENTICATED']);
      // The user's other session is untouched.
      expect((await refresh(other.refreshToken)).errors).toBeUndefined();
    });

    it('lets exactly one of several concurrent exchanges of one refresh token succeed', async () => {
      const member = await newMember();
      const session = await member.session();
      const answers = await Promise.all(Array.from({ length: 4 }, () => refresh(session.refreshToken)));
      const winners = answers.filter((a) => a.data?.refreshToken);
      expect(winners).toHaveLength(1);
      expect(answers.filter((a) => !a.data?.refreshToken).map(codesOf)).toEqual([['UNAUTHENTICATED'], ['UNAUTHENTICATED'], ['UNAUTHENTICATED']]);
      // The losers were reuses of a used token, so the session ended, the winner's successor with it.
      expect(codesOf(await refresh(winners[0]!.data!.refreshToken!.refreshToken))).toEqual(['UNAUTHENTICATED']);
    });

    it('answers an unknown, an empty, a reused and a signed-out refresh token alike', async () => {
      const member = await newMember();
      const used = await member.session();
      await refresh(used.refreshToken);
      const signedOut = await member.session();
      await graphql(url, SIGN_OUT, {}, bearer(signedOut.accessToken));
      const answers = await Promise.all(
        [randomBytes(32).toString('base64url'), '', used.refreshToken, signedOut.refreshToken, 'x'.repeat(10_000)].map(async (t) => answerOf(await refresh(t))),
      );
      expect(answers[0]!.codes).toEqual(['UNAUTHENTICATED']);
      for (const answer of answers) expect(answer).toEqual(answers[0]);
    });

    it('puts the roles the user has now into the refreshed access token', async () => {
      const member = await newMember();
      const session = await member.session();
      expect(claimsOf(session.accessToken).roles).toEqual(['member']);
      const updated = await graphql(url, 'mutation($i: UpdateUserInput!) { updateUser(input: $i) { roles } }', { i: { id: member.id, roles: ['tenant-admin'] } }, bearer(acme.admin.token));
      expect(updated.errors).toBeUndefined();
      const refreshed = (await refresh(session.refreshToken)).data!.refreshToken!;
      expect(claimsOf(refreshed.accessToken).roles).toEqual(['tenant-admin']);
      expect(claimsOf(refreshed.accessToken).perms).toContain('users:write');
      expect(refreshed.user.roles).toEqual(['tenant-admin']);
    });

    it("refuses a suspended user's next refresh", async () => {
      const member = await newMember();
      const session = await member.session();
      const suspended = await graphql(url, 'mutation($i: SuspendUserInput!) { suspendUser(input: $i) { status } }', { i: { id: member.id } }, bearer(acme.admin.token));
      expect(suspended.errors).toBeUndefined();
      const refused = await refresh(session.refreshToken);
      expect(codesOf(refused)).toEqual(['UNAUTHENTICATED']);
      expect(refused.data).toBeNull();
    });

    it("refuses refresh with TENANT_SUSPENDED while the user's tenant is suspended, and continues the session once it is reactivated", async () => {
      const globex = await createTenantWithAdmin(url, platformToken);
      const session = (await signIn(globex.admin.email, PASSWORD, globex.tenant.slug)).data!.signIn!;
      const suspend = await graphql(url, 'mutation($i: SuspendTenantInput!) { suspendTenant(input: $i) { status } }', { i: { id: globex.tenant.id, reason: 'test' } }, bearer(platformToken));
      expect(suspend.errors).toBeUndefined();
      const refused = await refresh(session.refreshToken);
      expect(codesOf(refused)).toEqual(['TENANT_SUSPENDED']);
      await graphql(url, 'mutation($i: ReactivateTenantInput!) { reactivateTenant(input: $i) { status } }', { i: { id: globex.tenant.id } }, bearer(platformToken));
      // The refusal consumed nothing: the same refresh token still works.
      expect((await refresh(session.refreshToken)).errors).toBeUndefined();
    });
  });

  describe('signing out', () => {
    /** `me`'s answer code ('OK' when it answers), polled until it is `expected` or a few seconds have passed. */
    const meCodeOnceSettled = async (accessToken: string, expected: string): Promise<unknown> => {
      const deadline = Date.now() + 5_000;
      for (;;) {
        const code: unknown = codesOf(await graphql(url, ME, {}, bearer(accessToken)))[0] ?? 'OK';
        if (code === expected || Date.now() > deadline) return code;
        await new Promise((r) => setTimeout(r, 50));
      }
    };

    it('ends the current session only: its refresh token at once, its access token as soon as the gateway hears it', async () => {
      const member = await newMember();
      const current = await member.session();
      const other = await member.session();
      expect((await graphql(url, SIGN_OUT, {}, bearer(current.accessToken))).data).toEqual({ signOut: true });
      expect(codesOf(await refresh(current.refreshToken))).toEqual(['UNAUTHENTICATED']);
      expect((await refresh(other.refreshToken)).errors).toBeUndefined();
      // The gateway refuses the ended session's access token once identity's event reaches it (milliseconds).
      expect(await meCodeOnceSettled(current.accessToken, 'UNAUTHENTICATED')).toBe('UNAUTHENTICATED');
      expect(await meCodeOnceSettled(other.accessToken, 'OK')).toBe('OK');
    });

    it("ends every session of the caller with signOutEverywhere, and nobody else's", async () => {
      const member = await newMember();
      const bystander = await newMember();
      const sessions = [await member.session(), await member.session(), await member.session()];
      const bystanderSession = await bystander.session();
      const ended = await graphql(url, SIGN_OUT_EVERYWHERE, {}, bearer(sessions[0]!.accessToken));
      expect(ended.data).toEqual({ signOutEverywhere: 3 });
      for (const session of sessions) expect(codesOf(await refresh(session.refreshToken))).toEqual(['UNAUTHENTICATED']);
      expect((await refresh(bystanderSession.refreshToken)).errors).toBeUndefined();
      for (const session of sessions) expect(await meCodeOnceSettled(session.accessToken, 'UNAUTHENTICATED')).toBe('UNAUTHENTICATED');
      expect(await meCodeOnceSettled(bystanderSession.accessToken, 'OK')).toBe('OK');
    });

    it('refuses signOut and signOutEverywhere without an access token', async () => {
      for (const query of [SIGN_OUT, SIGN_OUT_EVERYWHERE]) expect(codesOf(await graphql(url, query))).toEqual(['UNAUTHENTICATED']);
    });
  });

  describe('account lockout', () => {
    it('locks an account after five failed sign-ins: even the right password is then refused with the same answer', async () => {
      const member = await newMember();
      const failures = [];
      const from = '127.0.0.10';
      for (let i = 0; i < 5; i++) failures.push(answerOf(await signIn(member.email, `wrong-password-${i}`, acme.tenant.slug, from)));
      const rightWhileLocked = answerOf(await signIn(member.email, PASSWORD, acme.tenant.slug, from));
      expect(rightWhileLocked.codes).toEqual(['UNAUTHENTICATED']);
      expect(rightWhileLocked.messages[0]).toMatch(LOCKED_HINT);
      for (const failure of failures) expect(failure).toEqual(rightWhileLocked);
      // Other accounts of the tenant are not affected.
      expect((await signIn(acme.admin.email, PASSWORD, acme.tenant.slug)).data?.signIn).toBeTruthy();
    });

    it('locks an unknown e-mail exactly as it locks an existing account, so a lock reveals nothing', async () => {
      const member = await newMember();
      const nobody = `${unique('nobody')}@example.test`;
      const sequence = async (email: string) => {
        const answers = [];
        for (let i = 0; i < 5; i++) answers.push(answerOf(await signIn(email, `wrong-password-${i}`, acme.tenant.slug, '127.0.0.11')));
        answers.push(answerOf(await signIn(email, PASSWORD, acme.tenant.slug, '127.0.0.11')));
        return answers;
      };
      const existing = await sequence(member.email);
      expect(existing[5]!.codes).toEqual(['UNAUTHENTICATED']);
      expect(await sequence(nobody)).toEqual(existing);
    });

    it('forgets earlier failures after a successful sign-in', async () => {
      const member = await newMember();
      for (let round = 0; round < 2; round++) {
        for (let i = 0; i < 4; i++) expect(codesOf(await signIn(member.email, `wrong-password-${i}`, acme.tenant.slug, '127.0.0.12'))).toEqual(['UNAUTHENTICATED']);
        const success = await signIn(member.email, PASSWORD, acme.tenant.slug, '127.0.0.12');
        expect(success.errors).toBeUndefined();
      }
    });

    it('counts wrong current passwords in changePassword against the same lock', async () => {
      const member = await newMember();
      const session = await member.session();
      for (let i = 0; i < 5; i++) {
        const wrong = await graphql(url, CHANGE_PASSWORD, { input: { currentPassword: `wrong-password-${i}`, newPassword: 'a-brand-new-passphrase' } }, bearer(session.accessToken));
        expect(codesOf(wrong)).toEqual(['FORBIDDEN']);
      }
      expect(answerOf(await signIn(member.email, PASSWORD, acme.tenant.slug)).messages[0]).toMatch(LOCKED_HINT);
      const rightWhileLocked = await graphql(url, CHANGE_PASSWORD, { input: { currentPassword: PASSWORD, newPassword: 'a-brand-new-passphrase' } }, bearer(session.accessToken));
      expect(codesOf(rightWhileLocked)).toEqual(['FORBIDDEN']);
    });
  });

  describe('failures per client address', () => {
    it('refuses an address with RATE_LIMITED after 50 failures in the window, even with the right password, while other addresses sign in', async () => {
      const member = await newMember();
      const address = '127.0.0.99';
      for (let batch = 0; batch < 5; batch++) {
        const answers = await Promise.all(
          Array.from({ length: 10 }, () =>
            graphqlFrom(address, url, SIGN_IN, { input: { email: `${unique('spray')}@example.test`, password: PASSWORD, tenantSlug: acme.tenant.slug } }),
          ),
        );
        expect(answers.map(codesOf)).toEqual(Array.from({ length: 10 }, () => ['UNAUTHENTICATED']));
      }
      const limited = await graphqlFrom(address, url, SIGN_IN, { input: { email: member.email, password: PASSWORD, tenantSlug: acme.tenant.slug } });
      expect(codesOf(limited)).toEqual(['RATE_LIMITED']);
      expect(limited.errors![0]!.message).toMatch(/this address/);
      expect(limited.data).toBeNull();
      // The account itself is fine: from anywhere else the same credentials work.
      expect((await signIn(member.email, PASSWORD, acme.tenant.slug)).errors).toBeUndefined();
    });
  });

  describe('password policy', () => {
    it('refuses a common password, the e-mail address and a short password on createUser, without echoing them or creating the user', async () => {
      const email = `${unique('weak')}@example.test`;
      // The local part, 'weak-' and 8 hex digits, is long enough to pass the length rule on its own.
      for (const password of ['Password1234', email, email.split('@')[0]!, 'short-one']) {
        const refused = await graphql(url, CREATE_USER, { input: { tenantId: acme.tenant.id, email, displayName: 'Weak', password } }, bearer(acme.admin.token));
        expect(codesOf(refused)).toEqual(['BAD_USER_INPUT']);
        expect(refused.errors![0]!.extensions?.field).toBe('input.password');
        expect(refused.errors![0]!.message).not.toContain(password);
      }
      expect(emailsOf(await graphql(url, USERS, { tenantId: acme.tenant.id, first: 100 }, bearer(acme.admin.token)))).not.toContain(email);
    });

    it('refuses a weak new password on changePassword and keeps the old one', async () => {
      const member = await newMember();
      const session = await member.session();
      for (const newPassword of ['qwertyuiop123', member.email, 'tiny']) {
        const refused = await graphql(url, CHANGE_PASSWORD, { input: { currentPassword: PASSWORD, newPassword } }, bearer(session.accessToken));
        expect(codesOf(refused)).toEqual(['BAD_USER_INPUT']);
        expect(refused.errors![0]!.extensions?.field).toBe('input.newPassword');
        expect(refused.errors![0]!.message).not.toContain(newPassword);
      }
      expect((await signIn(member.email, PASSWORD, acme.tenant.slug)).errors).toBeUndefined();
    });
  });

  describe('changePassword', () => {
    it('replaces the password and ends every other session, keeping the current one', async () => {
      const member = await newMember();
      const current = await member.session();
      const others = [await member.session(), await member.session()];
      const newPassword = 'violet-harbour-tram-seven';
      const changed = await graphql(url, CHANGE_PASSWORD, { input: { currentPassword: PASSWORD, newPassword } }, bearer(current.accessToken));
      expect(changed.errors).toBeUndefined();
      expect(changed.data).toEqual({ changePassword: true });
      for (const other of others) expect(codesOf(await refresh(other.refreshToken))).toEqual(['UNAUTHENTICATED']);
      expect((await refresh(current.refreshToken)).errors).toBeUndefined();
      expect(codesOf(await signIn(member.email, PASSWORD, acme.tenant.slug))).toEqual(['UNAUTHENTICATED']);
      expect((await signIn(member.email, newPassword, acme.tenant.slug)).errors).toBeUndefined();
    });

    it('refuses a wrong current password with FORBIDDEN and changes nothing', async () => {
      const member = await newMember();
      const current = await member.session();
      const other = await member.session();
      const refused = await graphql(url, CHANGE_PASSWORD, { input: { currentPassword: 'not-my-password-at-all', newPassword: 'violet-harbour-tram-seven' } }, bearer(current.accessToken));
      expect(codesOf(refused)).toEqual(['FORBIDDEN']);
      expect(refused.data).toBeNull();
      expect((await refresh(other.refreshToken)).errors).toBeUndefined();
      expect((await signIn(member.email, PASSWORD, acme.tenant.slug)).errors).toBeUndefined();
    });

    it('refuses a new password equal to the current one, and callers without an access token', async () => {
      const member = await newMember();
      const current = await member.session();
      const same = await graphql(url, CHANGE_PASSWORD, { input: { currentPassword: PASSWORD, newPassword: PASSWORD } }, bearer(current.accessToken));
      expect(codesOf(same)).toEqual(['BAD_USER_INPUT']);
      expect(codesOf(await graphql(url, CHANGE_PASSWORD, { input: { currentPassword: PASSWORD, newPassword: 'violet-harbour-tram-seven' } }))).toEqual(['UNAUTHENTICATED']);
    });
  });

  describe('events', () => {
    it('records password changes, revoked sessions and lockouts in the audit trail, with no password or token in them', async () => {
      const member = await newMember();
      const current = await member.session();
      const other = await member.session();
      const newPassword = 'saffron-lantern-quiet-river';
      await graphql(url, CHANGE_PASSWORD, { input: { currentPassword: PASSWORD, newPassword } }, bearer(current.accessToken));
      for (let i = 0; i < 5; i++) await signIn(member.email, `wrong-password-${i}`, acme.tenant.slug, '127.0.0.13');
      const wanted = ['identity.session.revoked', 'identity.user.locked-out', 'identity.user.password-changed'];
      let events: { type: string; aggregateId: string; data: unknown }[] = [];
      for (let poll = 0; poll < 100; poll++) {
        const page = await graphql<{ auditEvents: { edges: { node: { type: string; aggregateId: string; data: unknown } }[] } }>(
          url,
          'query($t: ID) { auditEvents(tenantId: $t, first: 100) { edges { node { type aggregateId data } } } }',
          { t: acme.tenant.id },
          bearer(platformToken),
        );
        events = (page.data?.auditEvents.edges ?? []).map((e) => e.node).filter((e) => e.aggregateId === member.id || (e.data as { userId?: string }).userId === member.id);
        if (wanted.every((type) => events.some((e) => e.type === type))) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      const dataOf = (type: string) => events.filter((e) => e.type === type).map((e) => e.data);
      expect(dataOf('identity.user.password-changed')).toEqual([{ otherSessionsRevoked: 1 }]);
      expect(dataOf('identity.session.revoked')).toEqual([{ userId: member.id, reason: 'password-changed' }]);
      expect(dataOf('identity.user.locked-out')).toEqual([{ failedAttempts: 5, lockedForSeconds: 900 }]);
      const text = JSON.stringify(events);
      for (const secret of [PASSWORD, newPassword, current.refreshToken, other.refreshToken, current.accessToken]) expect(text).not.toContain(secret);
      expect(text).not.toMatch(/argon2|wrong-password/);
    });
  });
});
