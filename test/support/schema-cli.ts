import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { signContext, CONTEXT_HEADER } from '../../infrastructure/context/signed-context';
import { ROOT } from './processes';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** `npx lattice-schema …` as CI runs it: the compiled CLI, configured only by its environment. */
export function lattice(args: readonly string[], env: { registry: string; token?: string }): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(ROOT, 'dist', 'schema', 'registry', 'cli.js'), ...args],
      {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? '', LATTICE_REGISTRY_URL: env.registry, ...(env.token ? { LATTICE_REGISTRY_TOKEN: env.token } : {}), LATTICE_SCHEMA_AUTHOR: 'e2e' },
        timeout: 60_000,
      },
      (error, stdout, stderr) => resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/**
 * Reports operations to the registry as a gateway does (a SYSTEM context signed with the platform's secret), with
 * the day they were seen: how a test puts an operation outside the check window without waiting a week.
 */
export async function reportOperationsAsGateway(registryBaseUrl: string, contextSecret: string, operations: readonly Record<string, unknown>[]): Promise<void> {
  const context = signContext(
    { principal: { kind: 'SYSTEM', subject: 'gateway', tenantId: null, roles: [], permissions: ['schema:read'] }, requestId: randomUUID(), ipAddress: null, userAgent: 'e2e' },
    contextSecret,
  );
  const response = await fetch(`${registryBaseUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [CONTEXT_HEADER]: context },
    body: JSON.stringify({ query: 'mutation($r: String!) { recordOperations(report: $r) { recorded } }', variables: { r: JSON.stringify({ operations }) } }),
  });
  const body = (await response.json()) as { errors?: unknown[] };
  if (body.errors) throw new Error(`recordOperations failed: ${JSON.stringify(body.errors)}`);
}
