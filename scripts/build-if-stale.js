#!/usr/bin/env node
'use strict';
/**
 * Runs `tsc -p tsconfig.build.json` (what `npm run build` runs) only when dist/ is not current, so `npm start` and
 * the other `start:*` / CLI scripts skip a build of several seconds when nothing changed.
 *
 * dist/ is current when dist/.build-stamp holds the digest of the build inputs as they are now. The inputs are the
 * files tsc compiles for tsconfig.build.json (its `include` minus its `exclude`, read through `extends`), the files
 * outside that list the build pulls in by import (e.g. bench/ imports test/support/), recorded in the stamp when it
 * is written, and tsconfig*.json, package.json and package-lock.json. The digest is a sha256 over each input's
 * relative path, size and mtime, so an edit, an added file and a deleted file all change it. The check reads no file
 * contents and does not load TypeScript: it takes a few milliseconds.
 *
 * Usage: node scripts/build-if-stale.js [--force] [--root DIR]
 *   --force               build even when dist/ is current
 *   --root DIR            the project to check and build (default: the directory above this script)
 *   LATTICE_SKIP_BUILD=1  do nothing (an image whose dist/ was built into it)
 *
 * When required rather than run, exports the pure parts for tests.
 */
const fs = require('node:fs');
const path = require('node:path');
const crypto = require('node:crypto');

const BUILD_CONFIG = 'tsconfig.build.json';
const STAMP = path.join('dist', '.build-stamp');
const STAMP_VERSION = 1;
/** Files that are inputs whatever the tsconfig says (package.json: "typescript" version; the lock: what is installed). */
const FIXED_INPUTS = ['package.json', 'package-lock.json'];
/** Extensions tsc compiles without allowJs (.d.ts, .d.mts and .d.cts end in these too). */
const TS_EXTENSIONS = ['.ts', '.tsx', '.mts', '.cts'];
/** Folders a tsc wildcard never descends into. */
const SKIPPED_DIRS = new Set(['node_modules', 'bower_components', 'jspm_packages']);

const toPosix = (p) => p.split(path.sep).join('/');
const relative = (root, abs) => toPosix(path.relative(root, abs));

/** A tsconfig pattern as tsc reads it: `*`, `?` within one path segment, `**` any number of segments. */
function patternSource(absPattern) {
  let out = '';
  const parts = toPosix(absPattern).split('/');
  parts.forEach((part, i) => {
    const last = i === parts.length - 1;
    if (part === '**') {
      out += last ? '.*' : '(?:[^/]*/)*';
      return;
    }
    out += part.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]');
    if (!last) out += '/';
  });
  return out;
}

const hasWildcard = (segment) => /[*?]/.test(segment);

/** `gateway` means `gateway/**\/*`, as in tsc: a last segment without a wildcard or a dot is a folder. */
function includeSpec(absSpec) {
  const last = path.basename(absSpec);
  return hasWildcard(last) || last.includes('.') ? absSpec : path.join(absSpec, '**', '*');
}

/** The config with its `extends` chain applied, or null when it uses something only tsc itself can read. */
function readBuildConfig(root, configName) {
  const chain = [];
  let include;
  let exclude;
  let files;
  let outDir;
  let file = path.join(root, configName);
  const seen = new Set();
  while (file) {
    if (seen.has(file)) return null;
    seen.add(file);
    let json;
    try {
      json = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch {
      return null; // comments, trailing commas, a missing file: let tsc's own reader decide
    }
    const dir = path.dirname(file);
    const abs = (list) => (Array.isArray(list) ? list.map((p) => path.resolve(dir, p)) : undefined);
    chain.push(file);
    if (json.references || (json.compilerOptions && json.compilerOptions.allowJs)) return null;
    if (include === undefined && json.include !== undefined) include = abs(json.include);
    if (exclude === undefined && json.exclude !== undefined) exclude = abs(json.exclude);
    if (files === undefined && json.files !== undefined) files = abs(json.files);
    if (outDir === undefined && json.compilerOptions && json.compilerOptions.outDir) {
      outDir = path.resolve(dir, json.compilerOptions.outDir);
    }
    if (json.extends === undefined) break;
    if (typeof json.extends !== 'string' || !/^\.{1,2}[\\/]/.test(json.extends)) return null; // a package or a list
    file = path.resolve(dir, json.extends);
    if (!file.endsWith('.json')) file += '.json';
  }
  if (include === undefined) include = files === undefined ? [path.join(root, '**', '*')] : [];
  if (exclude === undefined) {
    exclude = [...SKIPPED_DIRS].map((d) => path.join(root, d));
    if (outDir) exclude.push(outDir);
  }
  return { configFiles: chain, include, exclude, files: files || [] };
}

/** The absolute paths of the files tsc lists for the config, found by walking the included folders. */
function walkConfigFiles(config) {
  const excluded = config.exclude.map((spec) => new RegExp(`^${patternSource(spec)}(?:$|/)`));
  const isExcluded = (abs) => excluded.some((re) => re.test(toPosix(abs)));
  const found = new Set(config.files);
  for (const spec of config.include.map(includeSpec)) {
    const matches = new RegExp(`^${patternSource(spec)}$`);
    const segments = spec.split(path.sep);
    const firstWild = segments.findIndex(hasWildcard);
    const base = firstWild < 0 ? spec : segments.slice(0, firstWild).join(path.sep) || path.sep;
    const visit = (abs, isDir) => {
      if (isExcluded(abs)) return;
      if (!isDir) {
        if (TS_EXTENSIONS.some((ext) => abs.endsWith(ext)) && matches.test(toPosix(abs))) found.add(abs);
        return;
      }
      let entries;
      try {
        entries = fs.readdirSync(abs, { withFileTypes: true });
      } catch {
        return;
      }
      for (const entry of entries) {
        if (entry.name.startsWith('.') || (entry.isDirectory() && SKIPPED_DIRS.has(entry.name))) continue;
        const child = path.join(abs, entry.name);
        let dir = entry.isDirectory();
        if (entry.isSymbolicLink()) {
          try {
            dir = fs.statSync(child).isDirectory();
          } catch {
            continue;
          }
        }
        visit(child, dir);
      }
    };
    let stat;
    try {
      stat = fs.statSync(base);
    } catch {
      continue;
    }
    visit(base, stat.isDirectory());
  }
  return [...found];
}

/** The same list from TypeScript itself: exact for any tsconfig, but loading it takes ~200 ms. */
function typescriptConfig(root, configName) {
  const ts = loadTypescript(root);
  const configFile = path.join(root, configName);
  const read = ts.readConfigFile(configFile, ts.sys.readFile);
  if (read.error) return { configFiles: [configFile], fileNames: [], options: {} };
  const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, root, undefined, configFile);
  const configFiles = [configFile];
  for (let base = read.config.extends; typeof base === 'string' && /^\.{1,2}[\\/]/.test(base); ) {
    const next = path.resolve(path.dirname(configFiles[configFiles.length - 1]), base.endsWith('.json') ? base : `${base}.json`);
    if (configFiles.includes(next)) break;
    configFiles.push(next);
    const r = ts.readConfigFile(next, ts.sys.readFile);
    base = r.config && r.config.extends;
  }
  return { configFiles, fileNames: parsed.fileNames.map((f) => path.resolve(f)), options: parsed.options };
}

function loadTypescript(root) {
  return require(require.resolve('typescript', { paths: [root, __dirname] }));
}

/** The root-relative paths of the inputs the check looks at, sorted; `extra` adds the stamp's imported files. */
function inputFiles(root, extra = [], configName = BUILD_CONFIG) {
  root = path.resolve(root);
  const config = readBuildConfig(root, configName);
  const { configFiles, fileNames } = config
    ? { configFiles: config.configFiles, fileNames: walkConfigFiles(config) }
    : typescriptConfig(root, configName);
  const all = new Set([...configFiles, ...fileNames].map((f) => relative(root, f)));
  for (const f of FIXED_INPUTS) all.add(f);
  for (const f of extra) all.add(f);
  return [...all].sort();
}

/** Each input's relative path, size and mtime; a missing input is recorded as missing. */
function inputEntries(root, files) {
  return files.map((rel) => {
    try {
      const s = fs.statSync(path.join(root, rel));
      return [rel, s.size, s.mtimeMs];
    } catch {
      return [rel, -1, -1];
    }
  });
}

function digestOf(entries) {
  const hash = crypto.createHash('sha256');
  for (const [rel, size, mtimeMs] of entries) hash.update(`${rel}\0${size}\0${mtimeMs}\n`);
  return hash.digest('hex');
}

function readStamp(root) {
  try {
    const stamp = JSON.parse(fs.readFileSync(path.join(root, STAMP), 'utf8'));
    if (stamp && stamp.version === STAMP_VERSION && typeof stamp.digest === 'string') return stamp;
  } catch {
    // no stamp, or an unreadable one: not current
  }
  return null;
}

/** The digest of the build inputs now (with `extra`, root-relative, as recorded in a stamp). */
function inputDigest(root, extra = []) {
  root = path.resolve(root);
  return digestOf(inputEntries(root, inputFiles(root, extra)));
}

/**
 * Why dist/ is not current, or null when it is: { reason: 'no-dist' | 'no-stamp' | 'changed', changed?: string[] }.
 * `changed` lists the inputs added, removed or modified since the stamp (when the stamp recorded them).
 */
function staleness(root) {
  root = path.resolve(root);
  if (!fs.existsSync(path.join(root, 'dist'))) return { reason: 'no-dist' };
  const stamp = readStamp(root);
  if (!stamp) return { reason: 'no-stamp' };
  const imports = Array.isArray(stamp.imports) ? stamp.imports : [];
  const entries = inputEntries(root, inputFiles(root, imports));
  if (digestOf(entries) === stamp.digest) return null;
  const before = stamp.inputs && typeof stamp.inputs === 'object' ? stamp.inputs : {};
  const now = Object.fromEntries(entries.map(([rel, size, mtimeMs]) => [rel, `${size}:${mtimeMs}`]));
  const changed = [...new Set([...Object.keys(before), ...Object.keys(now)])].filter((rel) => before[rel] !== now[rel]).sort();
  return { reason: 'changed', changed };
}

function isCurrent(root) {
  return staleness(root) === null;
}

/**
 * Files the build compiles besides the config's own list: what its files import (transitively) from outside it,
 * e.g. test/support/ from bench/, JSON modules, and anything tsc lists that the walk missed. Loads TypeScript, so it
 * only runs before a build.
 */
function importedInputs(root, configName = BUILD_CONFIG) {
  root = path.resolve(root);
  const ts = loadTypescript(root);
  const { fileNames, options } = typescriptConfig(root, configName);
  const listed = new Set(inputFiles(root, [], configName).map((rel) => path.join(root, rel)));
  const extra = new Set(fileNames.filter((f) => !listed.has(f)));
  const cache = ts.createModuleResolutionCache(root, (f) => f, options);
  const queue = [...new Set([...listed].filter((f) => TS_EXTENSIONS.some((ext) => f.endsWith(ext))).concat(fileNames))];
  const seen = new Set(queue);
  while (queue.length > 0) {
    const file = queue.pop();
    let text;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    const info = ts.preProcessFile(text, true, true);
    const targets = info.referencedFiles.map((r) => path.resolve(path.dirname(file), r.fileName));
    for (const imported of info.importedFiles) {
      const resolved = ts.resolveModuleName(imported.fileName, file, options, ts.sys, cache).resolvedModule;
      if (resolved && !resolved.isExternalLibraryImport) targets.push(path.resolve(resolved.resolvedFileName));
    }
    for (const target of targets) {
      if (seen.has(target) || target.split(path.sep).includes('node_modules') || !fs.existsSync(target)) continue;
      seen.add(target);
      if (!listed.has(target)) extra.add(target);
      if (TS_EXTENSIONS.some((ext) => target.endsWith(ext))) queue.push(target);
    }
  }
  return [...extra].map((f) => relative(root, f)).filter((rel) => !rel.startsWith('../')).sort();
}

/** The stamp for the inputs as they are now; written after a successful build. */
function currentStamp(root) {
  root = path.resolve(root);
  const imports = importedInputs(root);
  const entries = inputEntries(root, inputFiles(root, imports));
  return {
    version: STAMP_VERSION,
    digest: digestOf(entries),
    imports,
    inputs: Object.fromEntries(entries.map(([rel, size, mtimeMs]) => [rel, `${size}:${mtimeMs}`])),
  };
}

function writeStamp(root, stamp) {
  const file = path.join(path.resolve(root), STAMP);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(stamp, null, 1)}\n`);
  fs.renameSync(tmp, file);
}

function describe(stale) {
  if (stale.reason === 'no-dist') return 'build: no previous build (no dist/); running tsc';
  if (stale.reason === 'no-stamp') return 'build: no previous build stamp (dist/.build-stamp); running tsc';
  if (stale.reason === 'forced') return 'build: --force; running tsc';
  const changed = stale.changed || [];
  const names = changed.length > 0 ? `: ${changed.slice(0, 3).join(', ')}${changed.length > 3 ? ', …' : ''}` : '';
  const count = `${changed.length} input${changed.length === 1 ? '' : 's'}`;
  return `build: dist/ is stale (${count} changed since the last build${names}); running tsc`;
}

function main(argv) {
  if (process.env.LATTICE_SKIP_BUILD === '1') return 0;
  let root = path.resolve(__dirname, '..');
  let force = false;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--force') force = true;
    else if (argv[i] === '--root' && argv[i + 1]) root = path.resolve(argv[++i]);
    else {
      process.stderr.write(`build-if-stale: unknown argument ${argv[i]}\nusage: build-if-stale.js [--force] [--root DIR]\n`);
      return 64;
    }
  }
  const stale = force ? { reason: 'forced' } : staleness(root);
  if (!stale) return 0;
  process.stderr.write(`${describe(stale)}\n`);
  let tsc;
  try {
    tsc = require.resolve('typescript/bin/tsc', { paths: [root, __dirname] });
  } catch {
    process.stderr.write('build: typescript is not installed (npm ci --omit=dev?); LATTICE_SKIP_BUILD=1 runs dist/ as it is\n');
    return 1;
  }
  // Taken before tsc runs: a file edited during the build leaves the stamp behind it, so the next start rebuilds.
  const stamp = currentStamp(root);
  const result = require('node:child_process').spawnSync(process.execPath, [tsc, '-p', BUILD_CONFIG], { cwd: root, stdio: 'inherit' });
  if (result.error) {
    process.stderr.write(`build: could not run tsc: ${result.error.message}\n`);
    return 1;
  }
  if (result.status !== 0) return result.status === null ? 1 : result.status;
  writeStamp(root, stamp);
  return 0;
}

module.exports = { inputDigest, inputFiles, isCurrent, staleness, importedInputs, currentStamp, writeStamp, describe, main, STAMP };

if (require.main === module) process.exitCode = main(process.argv.slice(2));
