import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from './config';
import { withEmbeddedSecrets } from './embedded-secrets';

describe('embedded secrets', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'lattice-secrets-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('creates a secret readable only by its owner on first start and reuses it afterwards', () => {
    const config = parseConfig({ LATTICE_DATA_DIR: dataDir }, 'platform');
    const first = withEmbeddedSecrets(config).contextSecret;
    expect(first).toHaveLength(43);
    expect(statSync(join(dataDir, 'secrets.json')).mode & 0o777).toBe(0o600);
    expect(withEmbeddedSecrets(config).contextSecret).toBe(first);
  });

  it('creates a missing data dir enterable by its owner only', () => {
    const fresh = join(dataDir, 'fresh');
    withEmbeddedSecrets(parseConfig({ LATTICE_DATA_DIR: fresh }, 'platform'));
    expect(statSync(fresh).mode & 0o777).toBe(0o700);
  });

  it('prefers a configured secret and writes nothing', () => {
    const config = parseConfig({ LATTICE_DATA_DIR: dataDir, LATTICE_CONTEXT_SECRET: 's'.repeat(40) }, 'platform');
    expect(withEmbeddedSecrets(config).contextSecret).toBe('s'.repeat(40));
    expect(() => readFileSync(join(dataDir, 'secrets.json'))).toThrow(/ENOENT/);
  });

  it('refuses a damaged secrets file instead of replacing it', () => {
    writeFileSync(join(dataDir, 'secrets.json'), '{ not json');
    expect(() => withEmbeddedSecrets(parseConfig({ LATTICE_DATA_DIR: dataDir }, 'platform'))).toThrow(/unreadable or has no contextSecret; restore it from backup/);
  });
});
