import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanEnv, startProcess } from '../support/processes';
import { startEmbeddedPlatform } from '../support/platform';
import { bearer, graphql } from '../support/graphql-client';
import { createTenantWithAdmin, emailsOf, PASSWORD, signIn, signInAsAdmin, USERS } from '../support/scenario';

describe('the embedded platform across restarts', () => {
  it('keeps tenants, users and sign-in keys when restarted on the same data dir, and stops with exit code 0', async () => {
    let platform = await startEmbeddedPlatform();
    try {
      const adminToken = await signInAsAdmin(platform.graphqlUrl);
      const acme = await createTenantWithAdmin(platform.graphqlUrl, adminToken);

      expect(await platform.stop()).toEqual([0]);
      platform = await platform.restart();

      // The token issued before the restart still verifies: the signing key was persisted, not regenerated.
      const me = await graphql(platform.graphqlUrl, '{ me { email tenant { slug } } }', {}, bearer(acme.admin.token));
      expect(me.data).toEqual({ me: { email: acme.admin.email, tenant: { slug: acme.tenant.slug } } });
      const token = await signIn(platform.graphqlUrl, acme.admin.email, PASSWORD, acme.tenant.slug);
      expect(emailsOf(await graphql(platform.graphqlUrl, USERS, {}, bearer(token)))).toEqual([acme.admin.email]);
    } finally {
      await platform.destroy();
    }
  }, 180_000);

  it('prints a generated admin password once on first start and never again', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'lattice-e2e-'));
    try {
      const first = await startEmbeddedPlatform({ dataDir, env: { LATTICE_ADMIN_EMAIL: '', LATTICE_ADMIN_PASSWORD: '' } });
      const printed = /password: (\S+)/.exec(first.processes[0]!.output());
      expect(printed).not.toBeNull();
      await signIn(first.graphqlUrl, 'admin@lattice.local', printed![1]!);
      await first.stop();
      const second = await first.restart();
      expect(second.processes[0]!.output()).not.toMatch(/password:/);
      await second.stop();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 180_000);

  it('fails fast on an invalid environment, listing every bad variable at once', async () => {
    const service = startProcess('platform/main.js', cleanEnv({ PORT: 'eighty', LATTICE_CONTEXT_SECRET: 'short', REDIS_URL: 'http://nope' }));
    expect(await service.exited).toBe(1);
    const output = service.output();
    expect(output).toMatch(/PORT: must be a port number/);
    expect(output).toMatch(/LATTICE_CONTEXT_SECRET: must be at least 32 characters/);
    expect(output).toMatch(/REDIS_URL: must be a URL starting with redis:\/\//);
    expect(output).not.toMatch(/\n\s+at /);
  });

  it('refuses to start a distributed service without its required variables', async () => {
    const service = startProcess('subgraphs/identity/main.js', cleanEnv({}));
    expect(await service.exited).toBe(1);
    expect(service.output()).toMatch(/IDENTITY_DATABASE_URL: required when starting the identity service/);
    expect(service.output()).toMatch(/LATTICE_CONTEXT_SECRET: required/);
  });

  it('finishes an in-flight request before stopping on SIGTERM', async () => {
    const platform = await startEmbeddedPlatform();
    try {
      // A sign-in costs an argon2 hash: it is in flight when the signal arrives and must still be answered.
      const inFlight = graphql(platform.graphqlUrl, 'mutation { signIn(input: {email: "nobody@example.test", password: "whatever-password"}) { accessToken } }');
      await new Promise((r) => setTimeout(r, 20));
      const stopped = platform.stop();
      const response = await inFlight;
      expect(response.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      expect(await stopped).toEqual([0]);
    } finally {
      await platform.destroy();
    }
  }, 120_000);
});
