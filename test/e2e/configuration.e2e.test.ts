import { randomBytes } from 'node:crypto';
import { CONTEXT_HEADER, signContext } from '../../infrastructure/context/signed-context';
import type { Principal } from '../../infrastructure/context/request-context';
import { startDistributedPlatform, startEmbeddedPlatform, type RunningPlatform } from '../support/platform';
import { platformModes } from '../support/modes';
import { bearer, codesOf, graphql, type GraphQLResponse } from '../support/graphql-client';
import { CREATE_USER, createTenantWithAdmin, PASSWORD, signIn, signInAsAdmin, unique, type TenantWithAdmin } from '../support/scenario';

const SET = 'mutation($i: SetConfigurationInput!) { setConfiguration(input: $i) { level scopeId key value version } }';
const DELETE = 'mutation($i: DeleteConfigurationInput!) { deleteConfiguration(input: $i) }';
const EFFECTIVE = `query($k: String!, $d: ID, $o: ID, $t: ID) {
  effectiveConfiguration(key: $k, departmentId: $d, organizationId: $o, tenantId: $t) { key value level }
}`;
const ENTRY = 'query($s: ConfigurationScopeInput!, $k: String!) { configuration(scope: $s, key: $k) { level scopeId key value version } }';

type Level = 'GLOBAL' | 'TENANT' | 'ORGANIZATION' | 'DEPARTMENT';
interface Scope {
  level: Level;
  id?: string;
}
interface Effective {
  key: string;
  value: unknown;
  level: Level;
}

const key = (prefix = 'e2e') => `${prefix}.${randomBytes(4).toString('hex')}`;

describe.each(platformModes())('scoped configuration (%s mode)', (mode) => {
  let platform: RunningPlatform;
  let platformAdmin: string;
  let acme: TenantWithAdmin;
  let globex: TenantWithAdmin;
  let acmeMember: string;

  const as = (token: string) => <T = Record<string, unknown>>(query: string, variables: Record<string, unknown> = {}): Promise<GraphQLResponse<T>> =>
    graphql<T>(platform.graphqlUrl, query, variables, bearer(token));

  const set = async (token: string, scope: Scope, k: string, value: unknown) => as(token)<{ setConfiguration: { version: number } }>(SET, { i: { scope, key: k, value } });
  const mustSet = async (token: string, scope: Scope, k: string, value: unknown) => {
    const response = await set(token, scope, k, value);
    if (!response.data?.setConfiguration) throw new Error(JSON.stringify(response.errors));
    return response.data.setConfiguration;
  };
  const remove = (token: string, scope: Scope, k: string) => as(token)<{ deleteConfiguration: boolean }>(DELETE, { i: { scope, key: k } });
  const effective = (token: string, k: string, ids: { d?: string; o?: string; t?: string } = {}) =>
    as(token)<{ effectiveConfiguration: Effective | null }>(EFFECTIVE, { k, ...ids });
  const effectiveValue = async (token: string, k: string, ids: { d?: string; o?: string; t?: string } = {}) => {
    const response = await effective(token, k, ids);
    if (response.errors) throw new Error(JSON.stringify(response.errors));
    return response.data!.effectiveConfiguration;
  };
  const entry = async (token: string, scope: Scope, k: string) => (await as(token)<{ configuration: { value: unknown; version: number } | null }>(ENTRY, { s: scope, k })).data?.configuration;

  const createOrganization = async (token: string) => {
    const response = await as(token)<{ createOrganization: { id: string } }>('mutation($i: CreateOrganizationInput!) { createOrganization(input: $i) { id } }', {
      i: { name: unique('Org') },
    });
    return response.data!.createOrganization.id;
  };
  const createDepartment = async (token: string, organizationId: string, parentId: string | null = null) => {
    const response = await as(token)<{ createDepartment: { id: string } }>('mutation($i: CreateDepartmentInput!) { createDepartment(input: $i) { id } }', {
      i: { organizationId, parentId, name: unique('Dept') },
    });
    return response.data!.createDepartment.id;
  };

  beforeAll(async () => {
    // In distributed mode a second tenancy process shares the database and Redis, to watch its cache follow the events.
    platform = mode === 'embedded' ? await startEmbeddedPlatform() : await startDistributedPlatform({ extraTenancyReplicas: 1 });
    platformAdmin = await signInAsAdmin(platform.graphqlUrl);
    [acme, globex] = await Promise.all([createTenantWithAdmin(platform.graphqlUrl, platformAdmin), createTenantWithAdmin(platform.graphqlUrl, platformAdmin)]);
    const email = `${unique('member')}@example.test`;
    await graphql(platform.graphqlUrl, CREATE_USER, { input: { tenantId: acme.tenant.id, email, displayName: 'M', password: PASSWORD } }, bearer(acme.admin.token));
    acmeMember = await signIn(platform.graphqlUrl, email, PASSWORD, acme.tenant.slug);
  }, 120_000);

  afterAll(async () => {
    await platform?.destroy();
  });

  it('resolves department > organization > tenant > GLOBAL, reporting the level at each fallback step', async () => {
    const k = key();
    const org = await createOrganization(acme.admin.token);
    const dept = await createDepartment(acme.admin.token, org);
    const admin = acme.admin.token;
    expect(await effectiveValue(admin, k, { d: dept })).toBeNull();

    // Each read below first fills the cache, so each write must also make the next read see it.
    await mustSet(platformAdmin, { level: 'GLOBAL' }, k, { from: 'global' });
    expect(await effectiveValue(admin, k, { d: dept })).toEqual({ key: k, value: { from: 'global' }, level: 'GLOBAL' });
    await mustSet(admin, { level: 'TENANT', id: acme.tenant.id }, k, { from: 'tenant' });
    expect(await effectiveValue(admin, k, { d: dept })).toEqual({ key: k, value: { from: 'tenant' }, level: 'TENANT' });
    await mustSet(admin, { level: 'ORGANIZATION', id: org }, k, { from: 'organization' });
    expect(await effectiveValue(admin, k, { d: dept })).toEqual({ key: k, value: { from: 'organization' }, level: 'ORGANIZATION' });
    await mustSet(admin, { level: 'DEPARTMENT', id: dept }, k, { from: 'department' });
    expect(await effectiveValue(admin, k, { d: dept })).toEqual({ key: k, value: { from: 'department' }, level: 'DEPARTMENT' });

    // Asked at a wider scope, the narrower values do not apply.
    expect(await effectiveValue(admin, k, { o: org })).toMatchObject({ value: { from: 'organization' }, level: 'ORGANIZATION' });
    expect(await effectiveValue(admin, k, { t: acme.tenant.id })).toMatchObject({ value: { from: 'tenant' }, level: 'TENANT' });
    expect(await effectiveValue(admin, k)).toMatchObject({ value: { from: 'tenant' }, level: 'TENANT' });
    // A sub-department has its own slot: it falls back to its organization, not to its parent department.
    const child = await createDepartment(admin, org, dept);
    expect(await effectiveValue(admin, k, { d: child })).toMatchObject({ level: 'ORGANIZATION' });
  });

  it('falls back to the organization when the department value is deleted, and says false when there was nothing to delete', async () => {
    const k = key();
    const org = await createOrganization(acme.admin.token);
    const dept = await createDepartment(acme.admin.token, org);
    await mustSet(acme.admin.token, { level: 'ORGANIZATION', id: org }, k, 'org-value');
    expect(await mustSet(acme.admin.token, { level: 'DEPARTMENT', id: dept }, k, 'first')).toMatchObject({ version: 1 });
    expect(await mustSet(acme.admin.token, { level: 'DEPARTMENT', id: dept }, k, 'second')).toMatchObject({ version: 2 });
    expect(await effectiveValue(acme.admin.token, k, { d: dept })).toMatchObject({ value: 'second', level: 'DEPARTMENT' });

    expect((await remove(acme.admin.token, { level: 'DEPARTMENT', id: dept }, k)).data).toEqual({ deleteConfiguration: true });
    expect(await effectiveValue(acme.admin.token, k, { d: dept })).toEqual({ key: k, value: 'org-value', level: 'ORGANIZATION' });
    expect((await remove(acme.admin.token, { level: 'DEPARTMENT', id: dept }, k)).data).toEqual({ deleteConfiguration: false });
    expect(await entry(acme.admin.token, { level: 'DEPARTMENT', id: dept }, k)).toBeNull();
  });

  it('with expectedVersion, lets exactly one of two concurrent writers win and answers CONFLICT to the other, changing nothing', async () => {
    const scope = { level: 'TENANT' as const, id: acme.tenant.id };
    const k = key();
    const at = (i: Record<string, unknown>) => as(acme.admin.token)<{ setConfiguration: { value: unknown; version: number } }>(SET, { i: { scope, key: k, ...i } });
    // 0 means "only if not set yet".
    expect((await at({ value: 'first', expectedVersion: 0 })).data?.setConfiguration).toMatchObject({ value: 'first', version: 1 });
    const again = await at({ value: 'second', expectedVersion: 0 });
    expect(codesOf(again)).toEqual(['CONFLICT']);
    expect(again.errors?.[0]?.message).toBe(`configuration "${k}" at this scope is at version 1, not 0; reload it and retry`);

    const racers = await Promise.all(['blue', 'green'].map((value) => at({ value, expectedVersion: 1 })));
    const winners = racers.filter((r) => r.data?.setConfiguration);
    expect(winners).toHaveLength(1);
    expect(racers.flatMap(codesOf)).toEqual(['CONFLICT']);
    const stored = await entry(acme.admin.token, scope, k);
    expect(stored).toEqual(expect.objectContaining({ value: winners[0]!.data!.setConfiguration.value, version: 2 }));

    const staleDelete = await as(acme.admin.token)(DELETE, { i: { scope, key: k, expectedVersion: 1 } });
    expect(codesOf(staleDelete)).toEqual(['CONFLICT']);
    expect(await entry(acme.admin.token, scope, k)).toEqual(stored);
    expect(codesOf(await at({ value: 'x', expectedVersion: -1 }))).toEqual(['BAD_USER_INPUT']);
    expect((await as(acme.admin.token)(DELETE, { i: { scope, key: k, expectedVersion: 2 } })).data).toEqual({ deleteConfiguration: true });
    expect(await entry(acme.admin.token, scope, k)).toBeNull();
  });

  it('refuses an invalid key or an oversized value with BAD_USER_INPUT and stores nothing', async () => {
    const scope = { level: 'TENANT' as const, id: acme.tenant.id };
    const badKey = await set(acme.admin.token, scope, 'Not A Key', 1);
    expect(codesOf(badKey)).toEqual(['BAD_USER_INPUT']);
    expect(badKey.errors?.[0]?.message).toBe('input.key: must match ^[a-z][a-z0-9_.-]{0,127}$ (got "Not A Key")');
    expect(await entry(acme.admin.token, scope, 'not-a-key')).toBeNull();

    const k = key();
    // 'x' * 65535 in quotes is 65537 bytes of JSON: one over.
    const tooBig = await set(acme.admin.token, scope, k, 'x'.repeat(65_535));
    expect(codesOf(tooBig)).toEqual(['BAD_USER_INPUT']);
    expect(tooBig.errors?.[0]?.message).toBe('input.value: must be at most 65536 bytes of JSON (got 65537)');
    expect(await entry(acme.admin.token, scope, k)).toBeNull();
    expect(await effectiveValue(acme.admin.token, k)).toBeNull();

    expect(await mustSet(acme.admin.token, scope, k, 'x'.repeat(65_534))).toMatchObject({ version: 1 });
    expect(codesOf(await set(acme.admin.token, scope, k, { text: 'nul \u0000 inside' }))).toEqual(['BAD_USER_INPUT']);
    expect((await entry(acme.admin.token, scope, k))?.version).toBe(1);
  });

  it('lets a member read configuration but not write it', async () => {
    const k = key();
    const org = await createOrganization(acme.admin.token);
    await mustSet(acme.admin.token, { level: 'ORGANIZATION', id: org }, k, 'admin wrote this');
    expect(await effectiveValue(acmeMember, k, { o: org })).toMatchObject({ value: 'admin wrote this', level: 'ORGANIZATION' });
    for (const scope of [{ level: 'ORGANIZATION', id: org }, { level: 'TENANT', id: acme.tenant.id }, { level: 'GLOBAL' }] as Scope[]) {
      expect(codesOf(await set(acmeMember, scope, k, 'member wrote this'))).toEqual(['FORBIDDEN']);
      expect(codesOf(await remove(acmeMember, scope, k))).toEqual(['FORBIDDEN']);
    }
    expect(await effectiveValue(acmeMember, k, { o: org })).toMatchObject({ value: 'admin wrote this' });
  });

  it("answers NOT_FOUND to another tenant's admin for our organization and department ids, exactly as for unknown ids, and changes nothing", async () => {
    const k = key();
    const org = await createOrganization(acme.admin.token);
    const dept = await createDepartment(acme.admin.token, org);
    await mustSet(acme.admin.token, { level: 'ORGANIZATION', id: org }, k, 'acme org');
    await mustSet(acme.admin.token, { level: 'DEPARTMENT', id: dept }, k, 'acme dept');
    // Acme's reads leave the department and organization in tenancy's memory; the refusal must not depend on it.
    expect(await effectiveValue(acme.admin.token, k, { d: dept })).toMatchObject({ value: 'acme dept' });

    const intruder = globex.admin.token;
    const unknown = '01a21000-0000-7000-8000-0000000000ab';
    for (const [level, id] of [['ORGANIZATION', org], ['DEPARTMENT', dept], ['ORGANIZATION', unknown], ['DEPARTMENT', unknown]] as const) {
      const what = level.toLowerCase();
      for (const response of [
        await set(intruder, { level, id }, k, 'globex was here'),
        await remove(intruder, { level, id }, k),
        await as(intruder)(ENTRY, { s: { level, id }, k }),
        await effective(intruder, k, level === 'ORGANIZATION' ? { o: id } : { d: id }),
      ]) {
        expect(codesOf(response)).toEqual(['NOT_FOUND']);
        expect(response.errors?.[0]?.message).toBe(`${what} ${JSON.stringify(id)} was not found`);
      }
    }
    // Naming a tenant that is not yours is FORBIDDEN, whether or not it exists (the tenant rule).
    for (const id of [acme.tenant.id, unknown]) {
      expect(codesOf(await set(intruder, { level: 'TENANT', id }, k, 'globex was here'))).toEqual(['FORBIDDEN']);
      expect(codesOf(await effective(intruder, k, { t: id }))).toEqual(['FORBIDDEN']);
    }
    expect(await entry(acme.admin.token, { level: 'DEPARTMENT', id: dept }, k)).toMatchObject({ value: 'acme dept', version: 1 });
    expect(await entry(acme.admin.token, { level: 'ORGANIZATION', id: org }, k)).toMatchObject({ value: 'acme org', version: 1 });
    expect(await entry(acme.admin.token, { level: 'TENANT', id: acme.tenant.id }, k)).toBeNull();
  });

  it("refuses GLOBAL writes to a tenant admin; a platform admin's GLOBAL value is every tenant's fallback until the tenant sets its own", async () => {
    const k = key();
    const refused = await set(acme.admin.token, { level: 'GLOBAL' }, k, 'tenant tried');
    expect(codesOf(refused)).toEqual(['FORBIDDEN']);
    expect(await entry(platformAdmin, { level: 'GLOBAL' }, k)).toBeNull();

    await mustSet(platformAdmin, { level: 'GLOBAL' }, k, 'platform default');
    expect(await effectiveValue(acme.admin.token, k)).toEqual({ key: k, value: 'platform default', level: 'GLOBAL' });
    expect(await effectiveValue(globex.admin.token, k)).toEqual({ key: k, value: 'platform default', level: 'GLOBAL' });
    expect(await effectiveValue(platformAdmin, k)).toEqual({ key: k, value: 'platform default', level: 'GLOBAL' });

    await mustSet(acme.admin.token, { level: 'TENANT', id: acme.tenant.id }, k, 'acme override');
    expect(await effectiveValue(acme.admin.token, k)).toMatchObject({ value: 'acme override', level: 'TENANT' });
    expect(await effectiveValue(globex.admin.token, k)).toMatchObject({ value: 'platform default', level: 'GLOBAL' });
    // Platform admins read and write any tenant's configuration.
    expect(await effectiveValue(platformAdmin, k, { t: acme.tenant.id })).toMatchObject({ value: 'acme override', level: 'TENANT' });
    await mustSet(platformAdmin, { level: 'TENANT', id: globex.tenant.id }, k, 'set for globex');
    expect(await effectiveValue(globex.admin.token, k)).toMatchObject({ value: 'set for globex', level: 'TENANT' });
  });

  it('records configuration changes in the audit trail without their values', async () => {
    const k = key();
    await mustSet(acme.admin.token, { level: 'TENANT', id: acme.tenant.id }, k, 'a-secret-looking-value');
    await remove(acme.admin.token, { level: 'TENANT', id: acme.tenant.id }, k);
    type Trail = { auditEvents: { edges: { node: { type: string; aggregateId: string; data: Record<string, unknown> } }[] } };
    let mine: Trail['auditEvents']['edges'][number]['node'][] = [];
    for (let i = 0; i < 50 && mine.length < 2; i++) {
      const trail = await as(acme.admin.token)<Trail>('{ auditEvents(first: 100) { edges { node { type aggregateId data } } } }');
      mine = trail.data?.auditEvents.edges.map((e) => e.node).filter((n) => n.aggregateId === `TENANT:${acme.tenant.id}:${k}`) ?? [];
      if (mine.length < 2) await new Promise((r) => setTimeout(r, 100));
    }
    expect(mine.map((n) => n.type).sort()).toEqual(['tenancy.configuration.deleted', 'tenancy.configuration.set']);
    expect(mine.find((n) => n.type === 'tenancy.configuration.set')!.data).toEqual({ level: 'TENANT', scopeId: acme.tenant.id, key: k, version: 1, bytes: 24 });
    expect(JSON.stringify(mine)).not.toContain('a-secret-looking-value');
  });

  (mode === 'distributed' ? it : it.skip)('invalidates the cache of another tenancy replica through the event bus', async () => {
    const replica = `${platform.tenancyReplicas![0]}/graphql`;
    const claims = JSON.parse(Buffer.from(acme.admin.token.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
    const principal: Principal = {
      kind: 'USER',
      subject: String(claims.sub),
      tenantId: acme.tenant.id,
      roles: claims.roles as string[],
      permissions: claims.perms as string[],
    };
    // The replica is not behind the gateway, so this test signs the context the gateway would have sent.
    const onReplica = async (k: string) => {
      const context = signContext({ principal, requestId: `replica-${k}`, ipAddress: null, userAgent: null }, platform.contextSecret);
      const response = await graphql<{ effectiveConfiguration: Effective | null }>(replica, EFFECTIVE, { k }, { [CONTEXT_HEADER]: context });
      if (response.errors) throw new Error(JSON.stringify(response.errors));
      return response.data!.effectiveConfiguration?.value ?? null;
    };
    const eventually = async (k: string, expected: unknown) => {
      const deadline = Date.now() + 2_000;
      let seen = await onReplica(k);
      while (seen !== expected && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 25));
        seen = await onReplica(k);
      }
      return seen;
    };
    const k = key();
    const scope = { level: 'TENANT' as const, id: acme.tenant.id };
    await mustSet(acme.admin.token, scope, k, 'v1');
    expect(await eventually(k, 'v1')).toBe('v1');
    // The replica now holds v1; only the event can tell it otherwise (entries otherwise live for a minute).
    await mustSet(acme.admin.token, scope, k, 'v2');
    expect(await eventually(k, 'v2')).toBe('v2');
    await remove(acme.admin.token, scope, k);
    expect(await eventually(k, null)).toBeNull();
  });
});
