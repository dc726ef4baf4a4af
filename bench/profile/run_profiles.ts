import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WORKLOADS } from './entry';
import { render, summarize } from './summary';

/**
 * `npm run bench -- --profile`: runs sequential calls, casts and the drain of a long mailbox, ours and
 * the baseline, each in its own `node --cpu-prof` process (a profile of one thing at a time), then
 * prints where the time went.
 * Profiles and their sidecars stay in the OS temp dir, outside the repository. Costs are given per
 * operation, so ours and the baseline compare line by line.
 */

const OUT = join(tmpdir(), 'genserver-bench-profiles');
const ENTRY = join(__dirname, 'entry.ts');
const ROOT = join(__dirname, '..', '..');
const TIME_LIMIT_MS = 120_000;

function run(args: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
    const timer = setTimeout(() => child.kill('SIGKILL'), TIME_LIMIT_MS);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`profiled process ended with ${signal ?? `exit code ${code}`}`));
    });
  });
}

export async function runProfiles(quick: boolean): Promise<number> {
  mkdirSync(OUT, { recursive: true });
  const ms = quick ? 300 : 3000;
  for (const workload of WORKLOADS) {
    for (const side of ['ours', 'base']) {
      const name = `${workload}-${side}`;
      const sidecar = join(OUT, `${name}.json`);
      await run([
        '--cpu-prof',
        '--cpu-prof-dir',
        OUT,
        '--cpu-prof-name',
        `${name}.cpuprofile`,
        '--cpu-prof-interval',
        '100',
        '--enable-source-maps',
        '-r',
        'ts-node/register/transpile-only',
        ENTRY,
        workload,
        side,
        String(ms),
        sidecar,
      ]);
      console.log(`\n${name} (${join(OUT, `${name}.cpuprofile`)}; open it in Chrome DevTools for the call tree)`);
      console.log(render(summarize(join(OUT, `${name}.cpuprofile`), sidecar)));
      console.log('');
    }
  }
  return 0;
}
