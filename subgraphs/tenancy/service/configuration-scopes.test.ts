import type { Principal } from '../../../infrastructure/context/request-context';
import { errors } from '../../../infrastructure/errors/error-codes';
import { ConfigurationScopes } from './configuration-scopes';
import type { DepartmentService } from './department-service';
import type { OrganizationService } from './organization-service';
import { ScopeAncestry } from './scope-ancestry';
import type { TenantService } from './tenant-service';

const ACME = '0193a1b2-0000-7000-8000-00000000000a';
const GLOBEX = '0193a1b2-0000-7000-8000-00000000000b';
const ORG = '0193a1b2-0000-7000-8000-0000000000a1';
const DEPT = '0193a1b2-0000-7000-8000-0000000000d1';

const principal = (tenantId: string | null, permissions: string[]): Principal => ({
  kind: 'USER',
  subject: 'u1',
  tenantId,
  roles: [],
  permissions: ['organizations:read', 'tenants:read', ...permissions],
});
const admin = (tenantId: string) => principal(tenantId, ['config:read', 'config:write']);
const member = (tenantId: string) => principal(tenantId, ['config:read']);
const platformAdmin = principal(null, ['platform:admin', 'organizations:read', 'tenants:read', 'config:read', 'config:write']);

/** Acme's one organization and department, behind lookups that count how often they are asked. */
function lookups() {
  const calls = { tenants: 0, organizations: 0, departments: 0 };
  // The real services' visibility rule, reduced to what these tests need.
  const visibleTo = (p: Principal) => p.tenantId === ACME || p.permissions.includes('platform:admin');
  const make = (p: Principal) => ({
    tenants: { find: async ({ id }: { id: string }) => (calls.tenants++, id === ACME ? { id: ACME } : null) } as unknown as TenantService,
    organizations: {
      find: async (id: string) => {
        calls.organizations++;
        if (id !== ORG || !visibleTo(p)) throw errors.notFound('organization', id);
        return { id: ORG, tenantId: ACME };
      },
    } as unknown as OrganizationService,
    departments: {
      find: async (id: string) => {
        calls.departments++;
        if (id !== DEPT || !visibleTo(p)) throw errors.notFound('department', id);
        return { id: DEPT, tenantId: ACME, organizationId: ORG };
      },
    } as unknown as DepartmentService,
  });
  return { calls, make };
}

const codeOf = (promise: Promise<unknown>) => promise.then(() => 'OK', (error: { extensions?: { code?: string } }) => error.extensions?.code);

describe('configuration scopes', () => {
  it('builds the department chain narrowest first and remembers the department, so the next request asks nothing', async () => {
    const ancestry = new ScopeAncestry();
    const { calls, make } = lookups();
    const scopes = () => new ConfigurationScopes(member(ACME), ancestry, make(member(ACME)));
    const chain = [
      { level: 'DEPARTMENT', scopeId: DEPT, tenantId: ACME },
      { level: 'ORGANIZATION', scopeId: ORG, tenantId: ACME },
      { level: 'TENANT', scopeId: ACME, tenantId: ACME },
      { level: 'GLOBAL', scopeId: null, tenantId: null },
    ];
    expect(await scopes().chain({ departmentId: DEPT })).toEqual(chain);
    expect(await scopes().chain({ departmentId: DEPT })).toEqual(chain);
    expect(await scopes().chain({})).toEqual(chain.slice(2));
    expect(await scopes().chain({})).toEqual(chain.slice(2));
    expect(calls).toEqual({ tenants: 1, organizations: 0, departments: 1 });
  });

  it("still refuses another tenant's department with NOT_FOUND once it is remembered, exactly like an unknown one", async () => {
    const ancestry = new ScopeAncestry();
    const { make } = lookups();
    await new ConfigurationScopes(admin(ACME), ancestry, make(admin(ACME))).chain({ departmentId: DEPT });
    const intruder = new ConfigurationScopes(admin(GLOBEX), ancestry, make(admin(GLOBEX)));
    const remembered = intruder.chain({ departmentId: DEPT });
    await expect(remembered).rejects.toThrow(`department "${DEPT}" was not found`);
    const unknown = '0193a1b2-0000-7000-8000-0000000000ff';
    await expect(intruder.forWrite({ level: 'DEPARTMENT', id: unknown }, 'input.scope')).rejects.toThrow(`department "${unknown}" was not found`);
    expect(await codeOf(intruder.forWrite({ level: 'ORGANIZATION', id: ORG }, 'input.scope'))).toBe('NOT_FOUND');
    expect(await codeOf(intruder.forWrite({ level: 'ORGANIZATION', id: 'not-a-uuid' }, 'input.scope'))).toBe('NOT_FOUND');
  });

  it('refuses a tenant that is not yours with FORBIDDEN whether or not it exists, and an unknown one to a platform admin with NOT_FOUND', async () => {
    const { calls, make } = lookups();
    const intruder = new ConfigurationScopes(admin(GLOBEX), new ScopeAncestry(), make(admin(GLOBEX)));
    expect(await codeOf(intruder.chain({ tenantId: ACME }))).toBe('FORBIDDEN');
    expect(await codeOf(intruder.forWrite({ level: 'TENANT', id: '0193a1b2-0000-7000-8000-0000000000ee' }, 'input.scope'))).toBe('FORBIDDEN');
    expect(calls.tenants).toBe(0);
    const platform = new ConfigurationScopes(platformAdmin, new ScopeAncestry(), make(platformAdmin));
    expect(await codeOf(platform.forWrite({ level: 'TENANT', id: '0193a1b2-0000-7000-8000-0000000000ee' }, 'input.scope'))).toBe('NOT_FOUND');
    expect(await platform.forWrite({ level: 'TENANT', id: ACME }, 'input.scope')).toEqual({ level: 'TENANT', scopeId: ACME, tenantId: ACME });
  });

  it('lets members read but not write, and only platform:admin write GLOBAL', async () => {
    const { make } = lookups();
    const asMember = new ConfigurationScopes(member(ACME), new ScopeAncestry(), make(member(ACME)));
    expect(await codeOf(asMember.forRead({ level: 'ORGANIZATION', id: ORG }, 'scope'))).toBe('OK');
    expect(await codeOf(asMember.forWrite({ level: 'ORGANIZATION', id: ORG }, 'input.scope'))).toBe('FORBIDDEN');
    const asAdmin = new ConfigurationScopes(admin(ACME), new ScopeAncestry(), make(admin(ACME)));
    expect(await codeOf(asAdmin.forWrite({ level: 'DEPARTMENT', id: DEPT }, 'input.scope'))).toBe('OK');
    expect(await codeOf(asAdmin.forWrite({ level: 'GLOBAL' }, 'input.scope'))).toBe('FORBIDDEN');
    expect(await codeOf(asAdmin.forRead({ level: 'GLOBAL' }, 'scope'))).toBe('OK');
    const platform = new ConfigurationScopes(platformAdmin, new ScopeAncestry(), make(platformAdmin));
    expect(await codeOf(platform.forWrite({ level: 'GLOBAL' }, 'input.scope'))).toBe('OK');
    expect(await platform.chain({})).toEqual([{ level: 'GLOBAL', scopeId: null, tenantId: null }]);
  });

  it('asks for an id except at GLOBAL, none at GLOBAL, and at most one id for effectiveConfiguration', async () => {
    const { make } = lookups();
    const scopes = new ConfigurationScopes(admin(ACME), new ScopeAncestry(), make(admin(ACME)));
    await expect(scopes.forWrite({ level: 'TENANT' }, 'input.scope')).rejects.toThrow('input.scope.id: is required for TENANT');
    await expect(scopes.forWrite({ level: 'GLOBAL', id: ACME }, 'input.scope')).rejects.toThrow('input.scope.id: must be omitted for GLOBAL');
    await expect(scopes.chain({ departmentId: DEPT, tenantId: ACME })).rejects.toThrow('pass at most one of departmentId, organizationId and tenantId');
  });

  it('answers an anonymous caller UNAUTHENTICATED', async () => {
    const anonymous: Principal = { kind: 'ANONYMOUS', subject: null, tenantId: null, roles: [], permissions: [] };
    const scopes = new ConfigurationScopes(anonymous, new ScopeAncestry(), lookups().make(anonymous));
    expect(await codeOf(scopes.chain({}))).toBe('UNAUTHENTICATED');
    expect(await codeOf(scopes.chain({ departmentId: DEPT }))).toBe('UNAUTHENTICATED');
  });
});
