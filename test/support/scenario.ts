import { randomBytes } from 'node:crypto';
import { bearer, graphql, type GraphQLResponse } from './graphql-client';
import { ADMIN_EMAIL, ADMIN_PASSWORD } from './platform';

export const SIGN_IN = `mutation SignIn($input: SignInInput!) {
  signIn(input: $input) { accessToken refreshToken expiresAt user { id email roles tenant { id } } }
}`;
export const CREATE_TENANT = `mutation CreateTenant($input: CreateTenantInput!) { createTenant(input: $input) { id slug name status createdAt } }`;
export const CREATE_USER = `mutation CreateUser($input: CreateUserInput!) { createUser(input: $input) { id email displayName status roles tenant { id slug } } }`;
export const USERS = `query Users($tenantId: ID, $first: Int, $after: String) {
  users(tenantId: $tenantId, first: $first, after: $after) { edges { cursor node { id email tenant { id } } } pageInfo { hasNextPage endCursor } }
}`;

export const unique = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;
export const PASSWORD = 'a-long-enough-password';

interface SignInResult {
  signIn: { accessToken: string; refreshToken: string; expiresAt: string; user: { id: string; email: string; roles: string[]; tenant: { id: string } | null } };
}

export async function signIn(url: string, email: string, password: string, tenantSlug?: string): Promise<string> {
  const response = await graphql<SignInResult>(url, SIGN_IN, { input: { email, password, ...(tenantSlug ? { tenantSlug } : {}) } });
  if (!response.data?.signIn) throw new Error(`sign-in failed: ${JSON.stringify(response.errors)}`);
  return response.data.signIn.accessToken;
}

export function signInAsAdmin(url: string): Promise<string> {
  return signIn(url, ADMIN_EMAIL, ADMIN_PASSWORD);
}

export interface TenantWithAdmin {
  tenant: { id: string; slug: string; name: string };
  admin: { id: string; email: string; token: string };
}

/** A fresh tenant and its tenant admin, created through the gateway as a platform admin would. */
export async function createTenantWithAdmin(url: string, platformToken: string): Promise<TenantWithAdmin> {
  const slug = unique('t');
  const created = await graphql<{ createTenant: TenantWithAdmin['tenant'] }>(url, CREATE_TENANT, { input: { slug, name: `Tenant ${slug}` } }, bearer(platformToken));
  if (!created.data?.createTenant) throw new Error(`createTenant failed: ${JSON.stringify(created.errors)}`);
  const tenant = created.data.createTenant;
  const email = `${unique('admin')}@example.test`;
  const user = await graphql<{ createUser: { id: string } }>(
    url,
    CREATE_USER,
    { input: { tenantId: tenant.id, email, displayName: 'Tenant Admin', password: PASSWORD, roles: ['tenant-admin'] } },
    bearer(platformToken),
  );
  if (!user.data?.createUser) throw new Error(`createUser failed: ${JSON.stringify(user.errors)}`);
  return { tenant, admin: { id: user.data.createUser.id, email, token: await signIn(url, email, PASSWORD, slug) } };
}

export function emailsOf(response: GraphQLResponse<{ users: { edges: { node: { email: string } }[] } }>): string[] {
  return response.data?.users.edges.map((e) => e.node.email) ?? [];
}
