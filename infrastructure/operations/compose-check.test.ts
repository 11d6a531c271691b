import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkCompose, interpolate, parseComposeText, renderCompose } from './compose-check';

const ROOT = join(__dirname, '..', '..');
const composeText = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8');
const SECRET = { LATTICE_CONTEXT_SECRET: 'x'.repeat(40) };

function check(text: string, env: Record<string, string> = SECRET) {
  const rendered = renderCompose([{ name: 'docker-compose.yml', document: parseComposeText(text) }], env);
  return { rendered, result: checkCompose(rendered.project) };
}

describe('compose:check', () => {
  it('passes the committed docker-compose.yml, which renders with no variable set', () => {
    const { rendered, result } = check(composeText);
    expect(rendered.errors).toEqual([]);
    expect(result.problems).toEqual([]);
    expect(renderCompose([{ name: 'docker-compose.yml', document: parseComposeText(composeText) }], {}).errors).toEqual([]);
  });

  it("interpolates compose's forms and refuses ${VAR:?} with VAR unset, naming it", () => {
    expect(interpolate('${A:-d}/${B-e}/$$x/${C}', { B: '' }).value).toBe('d//$x/');
    const refused = interpolate('${LATTICE_ADMIN_PASSWORD:?set it}', {});
    expect(refused.errors.join(' ')).toContain('LATTICE_ADMIN_PASSWORD');
  });

  it('reports a misspelled variable, a subgraph URL on the wrong port, a healthcheck on the wrong port and a superuser login', () => {
    const broken = composeText
      .replace('LATTICE_ADMIN_EMAIL:', 'LATTICE_ADMIN_EMAL:')
      .replace('http://tenancy:4002/graphql', 'http://tenancy:4999/graphql')
      .replace("fetch('http://127.0.0.1:4004/health/ready')", "fetch('http://127.0.0.1:4005/health/ready')")
      .replace(/(TENANCY_DATABASE_APP_URL: postgres:\/\/)[^:]+:[^@]+@/, '$1lattice:${POSTGRES_PASSWORD:-lattice}@');
    const problems = check(broken).result.problems.join('\n');
    expect(problems).toContain('LATTICE_ADMIN_EMAL');
    expect(problems).toMatch(/4999/);
    expect(problems).toMatch(/registry[^\n]*4005|4005[^\n]*registry/);
    expect(problems).toMatch(/tenancy[^\n]*(superuser|lattice)/i);
  });
});
