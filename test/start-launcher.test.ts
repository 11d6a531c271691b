import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import * as ts from 'typescript';

/** scripts/build-if-stale.js, run by `npm start` and the other start/CLI scripts before they exec node. */
interface Staleness {
  reason: 'no-dist' | 'no-stamp' | 'changed';
  changed?: string[];
}
interface Launcher {
  inputDigest(root: string, extra?: string[]): string;
  inputFiles(root: string, extra?: string[]): string[];
  importedInputs(root: string): string[];
  isCurrent(root: string): boolean;
  staleness(root: string): Staleness | null;
  currentStamp(root: string): unknown;
  writeStamp(root: string, stamp: unknown): void;
}

const REPO = resolve(__dirname, '..');
const SCRIPT = join(REPO, 'scripts', 'build-if-stale.js');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const launcher = require(SCRIPT) as Launcher;

/** A tiny project laid out like Lattice: tsconfig.json includes src and test, tsconfig.build.json drops the tests. */
function fixtureProject(): string {
  const root = mkdtempSync(join(tmpdir(), 'lattice-launcher-'));
  const files: Record<string, string> = {
    'package.json': JSON.stringify({ name: 'launcher-fixture', version: '0.0.0', private: true }),
    'package-lock.json': JSON.stringify({ name: 'launcher-fixture', lockfileVersion: 3, packages: {} }),
    'tsconfig.json': JSON.stringify({
      compilerOptions: { target: 'ES2022', module: 'commonjs', strict: true, types: [], outDir: 'dist', rootDir: '.' },
      include: ['src', 'test'],
      exclude: ['node_modules', 'dist'],
    }),
    'tsconfig.build.json': JSON.stringify({ extends: './tsconfig.json', exclude: ['node_modules', 'dist', 'test', '**/*.test.ts'] }),
    'src/main.ts': "import { helper } from '../test/support/helper';\nimport { twice } from './util';\nexport const value = twice(helper());\n",
    'src/util.ts': 'export function twice(n: number): number {\n  return n * 2;\n}\n',
    'src/util.test.ts': 'export const unit = 1;\n',
    'test/support/helper.ts': 'export function helper(): number {\n  return 21;\n}\n',
    'test/other.ts': 'export const other = 1;\n',
  };
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), text);
  }
  return root;
}

/** A build as the script leaves it: dist/ and a stamp for the inputs as they are now. */
function stampAsBuilt(root: string): void {
  mkdirSync(join(root, 'dist'), { recursive: true });
  launcher.writeStamp(root, launcher.currentStamp(root));
}

/** Moves a file's mtime forward without changing its contents (an editor save, `touch`). */
function touch(file: string): void {
  const later = new Date(Date.now() + 60_000);
  utimesSync(file, later, later);
}

function runScript(root: string, args: string[] = [], env: NodeJS.ProcessEnv = {}) {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, [SCRIPT, '--root', root, ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    encoding: 'utf8',
  });
  return { status: result.status, stderr: result.stderr, stdout: result.stdout, ms: Number(process.hrtime.bigint() - started) / 1e6 };
}

describe('build-if-stale: when dist/ is current', () => {
  let root: string;
  beforeEach(() => {
    root = fixtureProject();
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('is stale when there is no previous build', () => {
    expect(launcher.staleness(root)).toEqual({ reason: 'no-dist' });
    mkdirSync(join(root, 'dist'));
    expect(launcher.staleness(root)).toEqual({ reason: 'no-stamp' });
  });

  it('is current once the stamp for the inputs as they are is written', () => {
    stampAsBuilt(root);
    expect(launcher.isCurrent(root)).toBe(true);
  });

  it('is stale after a source file is touched or edited, naming it', () => {
    stampAsBuilt(root);
    touch(join(root, 'src/util.ts'));
    expect(launcher.staleness(root)).toEqual({ reason: 'changed', changed: ['src/util.ts'] });
    stampAsBuilt(root);
    writeFileSync(join(root, 'src/util.ts'), 'export function twice(n: number): number {\n  return n + n;\n}\n');
    expect(launcher.isCurrent(root)).toBe(false);
  });

  it('is stale after a source file is added or deleted', () => {
    stampAsBuilt(root);
    writeFileSync(join(root, 'src/added.ts'), 'export const added = 1;\n');
    expect(launcher.staleness(root)).toEqual({ reason: 'changed', changed: ['src/added.ts'] });
    stampAsBuilt(root);
    unlinkSync(join(root, 'src/added.ts'));
    expect(launcher.isCurrent(root)).toBe(false);
  });

  it('stays current when a test file or an unimported file under an excluded folder changes', () => {
    stampAsBuilt(root);
    writeFileSync(join(root, 'src/util.test.ts'), 'export const unit = 2; // edited\n');
    writeFileSync(join(root, 'src/more.test.ts'), 'export const more = 1;\n');
    touch(join(root, 'test/other.ts'));
    expect(launcher.isCurrent(root)).toBe(true);
  });

  it('is stale when a file the build imports from an excluded folder changes (as bench/ imports test/support/)', () => {
    expect(launcher.importedInputs(root)).toEqual(['test/support/helper.ts']);
    stampAsBuilt(root);
    touch(join(root, 'test/support/helper.ts'));
    expect(launcher.staleness(root)).toEqual({ reason: 'changed', changed: ['test/support/helper.ts'] });
  });

  it('is stale when a tsconfig, package.json or package-lock.json changes', () => {
    for (const file of ['tsconfig.json', 'tsconfig.build.json', 'package.json', 'package-lock.json']) {
      stampAsBuilt(root);
      touch(join(root, file));
      expect(launcher.staleness(root)).toEqual({ reason: 'changed', changed: [file] });
    }
  });
});

describe('build-if-stale: the inputs of the real build', () => {
  it('are exactly the files TypeScript lists for tsconfig.build.json, plus the configs and the package files', () => {
    const configFile = join(REPO, 'tsconfig.build.json');
    const read = ts.readConfigFile(configFile, (f) => ts.sys.readFile(f));
    const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, REPO, undefined, configFile);
    const expected = parsed.fileNames.map((f) => f.slice(REPO.length + 1));
    expected.push('tsconfig.build.json', 'tsconfig.json', 'package.json', 'package-lock.json');
    expect(launcher.inputFiles(REPO)).toEqual([...new Set(expected)].sort());
  });

  it('has a digest that does not change between two reads', () => {
    expect(launcher.inputDigest(REPO)).toBe(launcher.inputDigest(REPO));
  });
});

describe('build-if-stale: the script', () => {
  let root: string;
  beforeEach(() => {
    root = fixtureProject();
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('runs tsc and writes the stamp when stale, then exits 0 at once without running tsc', () => {
    const first = runScript(root);
    expect(first.stderr).toContain('build: no previous build (no dist/); running tsc');
    expect(first.status).toBe(0);
    expect(readFileSync(join(root, 'dist/src/main.js'), 'utf8')).toContain('twice');
    expect(existsSync(join(root, 'dist/src/util.test.js'))).toBe(false);
    expect(launcher.isCurrent(root)).toBe(true);

    // Were tsc to run, it would write this file again.
    unlinkSync(join(root, 'dist/src/main.js'));
    const second = runScript(root);
    expect(second).toMatchObject({ status: 0, stderr: '' });
    expect(existsSync(join(root, 'dist/src/main.js'))).toBe(false);
    expect(second.ms).toBeLessThan(2000);

    touch(join(root, 'src/util.ts'));
    const third = runScript(root);
    expect(third.stderr).toContain('build: dist/ is stale (1 input changed since the last build: src/util.ts); running tsc');
    expect(third.status).toBe(0);
    expect(existsSync(join(root, 'dist/src/main.js'))).toBe(true);
  });

  it("exits with tsc's code and writes no stamp when the build fails", () => {
    writeFileSync(join(root, 'src/util.ts'), "export const broken: number = 'text';\n");
    const result = runScript(root);
    expect(result.status).toBe(2);
    expect(result.stdout).toContain('TS2322');
    expect(existsSync(join(root, 'dist/.build-stamp'))).toBe(false);
  });

  it('rebuilds a current dist/ with --force, and does nothing with LATTICE_SKIP_BUILD=1', () => {
    expect(runScript(root, [], { LATTICE_SKIP_BUILD: '1' })).toMatchObject({ status: 0, stderr: '' });
    expect(existsSync(join(root, 'dist'))).toBe(false);
    expect(runScript(root).status).toBe(0);
    unlinkSync(join(root, 'dist/src/main.js'));
    expect(runScript(root, ['--force'])).toMatchObject({ status: 0, stderr: 'build: --force; running tsc\n' });
    expect(existsSync(join(root, 'dist/src/main.js'))).toBe(true);
  });
});

describe('build-if-stale: `npm run` then exec', () => {
  let root: string;
  beforeEach(() => {
    root = fixtureProject();
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('leaves the service as npm\'s own child, so SIGTERM sent to npm stops it and frees its port', async () => {
    writeFileSync(
      join(root, 'server.js'),
      `const server = require('node:http').createServer((_req, res) => res.end('ok'));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
server.listen(0, '127.0.0.1', () => console.log('listening ' + process.pid + ' ' + server.address().port));
`,
    );
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Record<string, unknown>;
    pkg.scripts = { serve: `node ${JSON.stringify(SCRIPT)} --root ${JSON.stringify(root)} && exec node server.js` };
    writeFileSync(join(root, 'package.json'), JSON.stringify(pkg));
    expect(runScript(root).status).toBe(0); // build now, so the script under npm finds dist/ current

    const npm = spawn('npm', ['run', 'serve'], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', npm_config_update_notifier: 'false' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    npm.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const npmExited = new Promise<number | null>((done) => npm.once('exit', (code) => done(code)));
    const [serverPid, port] = await new Promise<[number, number]>((done, fail) => {
      const timer = setTimeout(() => fail(new Error(`server did not listen:\n${output}`)), 30_000);
      npm.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const match = /listening (\d+) (\d+)/.exec(output);
        if (match) {
          clearTimeout(timer);
          done([Number(match[1]), Number(match[2])]);
        }
      });
    });
    expect(output).not.toContain('running tsc');
    if (existsSync(`/proc/${serverPid}/stat`)) {
      // exec replaced the shell: the service's parent is npm itself, which forwards SIGTERM to it.
      const ppid = Number(readFileSync(`/proc/${serverPid}/stat`, 'utf8').split(') ')[1]?.split(' ')[1]);
      expect(ppid).toBe(npm.pid);
    }

    npm.kill('SIGTERM');
    const deadline = Date.now() + 5000;
    while (isAlive(serverPid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(isAlive(serverPid)).toBe(false);
    expect(await npmExited).toBe(0);
    await expect(canListen(port)).resolves.toBe(true);
  });
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function canListen(port: number): Promise<boolean> {
  return new Promise((done) => {
    const probe = createServer();
    probe.once('error', () => done(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => done(true)));
  });
}
