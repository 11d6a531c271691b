import { createHash } from 'node:crypto';
import { Client } from 'pg';
import { EVENT_TYPES, isEventType } from '../../infrastructure/events/event-types';
import { bearer, graphql, type GraphQLResponse } from '../support/graphql-client';
import { distributedAvailable } from '../support/modes';
import { ADMIN_PASSWORD, startDistributedPlatform, type RunningPlatform } from '../support/platform';
import { CREATE_USER, createTenantWithAdmin, PASSWORD, SIGN_IN, signIn, signInAsAdmin, unique } from '../support/scenario';

/** Data keys that would mean a credential travelled in an event (matched against every key, at any depth). */
const SECRET_KEY = /password|hash|token|secret|credential|private/i;

interface Recorded {
  type: string;
  data: unknown;
}

function keysOf(value: unknown, path = 'data'): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => keysOf(v, `${path}[${i}]`));
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, v]) => [`${path}.${key}`, ...keysOf(v, `${path}.${key}`)]);
}

/**
 * Makes every registered event type happen through the gateway, then reads what the audit subgraph recorded (it
 * stores every event it hears) and checks that no event carries a password, hash, token or secret, by key or by
 * value. Distributed mode, because the audit records are read straight from its PostgreSQL database.
 */
(distributedAvailable() ? describe : describe.skip)('what domain events carry (distributed mode)', () => {
  let platform: RunningPlatform;
  const secrets: string[] = [ADMIN_PASSWORD, PASSWORD];

  const must = <T,>(response: GraphQLResponse<T>): T => {
    if (response.errors || !response.data) throw new Error(JSON.stringify(response.errors));
    return response.data;
  };

  beforeAll(async () => {
    platform = await startDistributedPlatform();
  }, 120_000);

  afterAll(async () => {
    await platform?.destroy();
  });

  it('publishes every registered event type, and none carries a password, hash, token or secret', async () => {
    const url = platform.graphqlUrl;
    const admin = await signInAsAdmin(url);
    secrets.push(admin);
    const acme = await createTenantWithAdmin(url, admin);
    secrets.push(acme.admin.token);
    const as = (token: string) => <T = Record<string, unknown>>(query: string, variables: Record<string, unknown> = {}) => graphql<T>(url, query, variables, bearer(token));
    const ann = as(acme.admin.token);

    // Hierarchy and configuration.
    const org = must(await ann<{ createOrganization: { id: string } }>('mutation($i: CreateOrganizationInput!) { createOrganization(input: $i) { id } }', { i: { name: unique('Org') } }))
      .createOrganization.id;
    must(await ann('mutation($i: RenameOrganizationInput!) { renameOrganization(input: $i) { id } }', { i: { id: org, name: unique('Renamed'), expectedVersion: 1 } }));
    const dept = (parentId: string | null) =>
      ann<{ createDepartment: { id: string } }>('mutation($i: CreateDepartmentInput!) { createDepartment(input: $i) { id } }', { i: { organizationId: org, parentId, name: unique('Dept') } });
    const top = must(await dept(null)).createDepartment.id;
    const other = must(await dept(null)).createDepartment.id;
    must(await ann('mutation($i: MoveDepartmentInput!) { moveDepartment(input: $i) { id } }', { i: { id: other, parentId: top } }));
    must(await ann('mutation($i: ArchiveDepartmentInput!) { archiveDepartment(input: $i) { id } }', { i: { id: other } }));
    const configSecret = unique('config-secret-value');
    secrets.push(configSecret);
    const scope = { level: 'ORGANIZATION', id: org };
    must(await ann('mutation($i: SetConfigurationInput!) { setConfiguration(input: $i) { version } }', { i: { scope, key: 'billing.api-secret', value: configSecret } }));
    must(await ann('mutation($i: DeleteConfigurationInput!) { deleteConfiguration(input: $i) }', { i: { scope, key: 'billing.api-secret' } }));
    must(await ann('mutation($i: ArchiveOrganizationInput!) { archiveOrganization(input: $i) { id } }', { i: { id: org } }));

    // Users, passwords and sessions.
    const email = `${unique('bo')}@example.test`;
    const bo = must(await ann<{ createUser: { id: string } }>(CREATE_USER, { input: { tenantId: acme.tenant.id, email, displayName: 'Bo', password: PASSWORD } })).createUser.id;
    must(await ann('mutation($i: UpdateUserInput!) { updateUser(input: $i) { id } }', { i: { id: bo, displayName: 'Bo B.' } }));
    const session = must(
      await graphql<{ signIn: { accessToken: string; refreshToken: string } }>(url, SIGN_IN, { input: { email, password: PASSWORD, tenantSlug: acme.tenant.slug } }),
    ).signIn;
    secrets.push(session.accessToken, session.refreshToken);
    const REFRESH = 'mutation($i: RefreshTokenInput!) { refreshToken(input: $i) { accessToken refreshToken } }';
    const rotated = must(await graphql<{ refreshToken: { accessToken: string; refreshToken: string } }>(url, REFRESH, { i: { refreshToken: session.refreshToken } })).refreshToken;
    secrets.push(rotated.accessToken, rotated.refreshToken);
    // Replaying the used token revokes the session: identity.session.revoked.
    await graphql(url, REFRESH, { i: { refreshToken: session.refreshToken } });
    const newPassword = 'copper-lantern-harbour-9';
    secrets.push(newPassword);
    // The replay ended that session everywhere, its newest access token included: change the password in a new one.
    const fresh = must(await graphql<{ signIn: { accessToken: string } }>(url, SIGN_IN, { input: { email, password: PASSWORD, tenantSlug: acme.tenant.slug } })).signIn;
    secrets.push(fresh.accessToken);
    must(await as(fresh.accessToken)('mutation($i: ChangePasswordInput!) { changePassword(input: $i) }', { i: { currentPassword: PASSWORD, newPassword } }));
    // A member asking for what they may not do: security.access.denied.
    const refused = await as(fresh.accessToken)('mutation { createOrganization(input: { name: "Not mine to make" }) { id } }');
    expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const wrong = 'not-the-password-at-all';
    secrets.push(wrong);
    for (let i = 0; i < 5; i++) await graphql(url, SIGN_IN, { input: { email, password: wrong, tenantSlug: acme.tenant.slug } });
    for (const mutation of ['suspendUser', 'reactivateUser', 'deleteUser']) {
      must(await ann(`mutation($i: ${mutation[0]!.toUpperCase()}${mutation.slice(1)}Input!) { ${mutation}(input: $i) { id } }`, { i: { id: bo } }));
    }

    // Roles and API keys.
    const role = must(await ann<{ createRole: { id: string } }>('mutation($i: CreateRoleInput!) { createRole(input: $i) { id } }', { i: { name: unique('Role'), permissions: ['users:read'] } }))
      .createRole.id;
    must(await ann('mutation($i: UpdateRoleInput!) { updateRole(input: $i) { id } }', { i: { id: role, permissions: ['users:read', 'config:read'] } }));
    const assignment = { userId: acme.admin.id, roleId: role, scope: { level: 'TENANT', id: acme.tenant.id } };
    must(await ann('mutation($i: RoleAssignmentInput!) { assignRole(input: $i) { id } }', { i: assignment }));
    must(await ann('mutation($i: RoleAssignmentInput!) { revokeRole(input: $i) }', { i: assignment }));
    must(await ann('mutation($i: DeleteRoleInput!) { deleteRole(input: $i) }', { i: { id: role } }));
    const key = must(
      await ann<{ createApiKey: { secret: string; apiKey: { id: string } } }>('mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) { secret apiKey { id } } }', {
        i: { name: 'ci', permissions: ['users:read'] },
      }),
    ).createApiKey;
    secrets.push(key.secret);
    must(await ann('mutation($i: RevokeApiKeyInput!) { revokeApiKey(input: $i) { id } }', { i: { id: key.apiKey.id } }));

    // Tenant lifecycle and the platform's keys.
    must(await as(admin)('mutation($i: SuspendTenantInput!) { suspendTenant(input: $i) { id } }', { i: { id: acme.tenant.id, reason: 'review' } }));
    must(await as(admin)('mutation($i: ReactivateTenantInput!) { reactivateTenant(input: $i) { id } }', { i: { id: acme.tenant.id } }));
    must(await as(admin)('mutation { rotateSigningKey { kid } }'));

    // The schema registry: its subgraphs were published at its start; a client registers its persisted operations.
    const body = 'query Me { me { email } }';
    const operations = { format: 'apollo-persisted-query-manifest', version: 1, operations: [{ id: createHash('sha256').update(body).digest('hex'), name: 'Me', type: 'query', body }] };
    const registered = must(
      await graphql<{ registerPersistedOperations: { problems: unknown[] } }>(
        `${platform.baseUrl}/registry/graphql`,
        'mutation($i: RegisterOperationsInput!) { registerPersistedOperations(input: $i) { problems { message } } }',
        { i: { clientName: 'web', manifest: JSON.stringify(operations) } },
        bearer(admin),
      ),
    );
    expect(registered.registerPersistedOperations.problems).toEqual([]);
    secrets.push(await signIn(url, acme.admin.email, PASSWORD, acme.tenant.slug));

    // The audit subgraph records events as it hears them: wait until every type has arrived.
    const audit = new Client({ connectionString: platform.databaseUrls!.audit });
    await audit.connect();
    let recorded: Recorded[] = [];
    try {
      const deadline = Date.now() + 15_000;
      for (;;) {
        recorded = (await audit.query<Recorded>('SELECT type, data FROM audit_records ORDER BY event_id')).rows;
        const seen = new Set(recorded.map((r) => r.type));
        if (Object.keys(EVENT_TYPES).every((t) => seen.has(t)) || Date.now() > deadline) break;
        await new Promise((r) => setTimeout(r, 200));
      }
    } finally {
      await audit.end();
    }

    const seen = new Set(recorded.map((r) => r.type));
    expect(Object.keys(EVENT_TYPES).filter((t) => !seen.has(t))).toEqual([]);
    expect([...seen].filter((t) => !isEventType(t))).toEqual([]);
    const leaks = recorded.flatMap((event) => {
      const text = JSON.stringify(event.data);
      return [
        ...keysOf(event.data)
          .filter((key) => SECRET_KEY.test(key.split('.').pop() ?? ''))
          .map((key) => `${event.type}: key ${key}`),
        ...secrets.filter((s) => text.includes(s)).map((s) => `${event.type}: value ${s.slice(0, 8)}…`),
        ...(/\$argon2|lat_[A-Za-z0-9]/.test(text) ? [`${event.type}: a hash or API key in ${text.slice(0, 80)}`] : []),
      ];
    });
    expect(leaks).toEqual([]);
  });
});
