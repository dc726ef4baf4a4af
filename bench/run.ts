import { cpus } from 'node:os';
import { runElixirSideBySide } from './elixir';
import { FULL, QUICK, type Config } from './harness';
import { runProfiles } from './profile/run_profiles';
import { finalTable, progressLine } from './report';
import type { Row } from './workload';
import { workloads } from './workloads';
import { stopThreads } from './workloads/threads';

/**
 * `npm run bench`: every workload, ours against the baseline actor, then Elixir's GenServer side by
 * side when `elixir` is installed, then the final table. Flags (after `npm run bench --`):
 *   --quick        a few hundred ms per workload, small counts: checks that everything runs
 *   --only=a,b     only these workloads (keys: seq async_seq calls8 calls64 casts start_stop timers queued heap loop loop_slow registry_exits registry_partitions thread_seq thread_64 thread_casts scaling codec cluster observer)
 *   --elixir       only the workloads Elixir also runs, and the side-by-side
 *   --no-elixir    skip the Elixir side-by-side
 *   --profile      CPU-profile sequential calls and casts (ours and baseline) with node --cpu-prof
 */

interface Options {
  readonly config: Config;
  readonly only: ReadonlySet<string> | undefined;
  readonly elixir: boolean;
  readonly profile: boolean;
}

const ELIXIR_KEYS = ['seq', 'calls8', 'calls64', 'casts', 'start_stop', 'queued', 'heap'];

function parse(argv: readonly string[]): Options {
  let quick = false;
  let only: Set<string> | undefined;
  let elixir = true;
  let profile = false;
  const keys = new Set(workloads.map((w) => w.key));
  for (const arg of argv) {
    if (arg === '--quick') quick = true;
    else if (arg === '--elixir') only = new Set(ELIXIR_KEYS);
    else if (arg === '--no-elixir') elixir = false;
    else if (arg === '--profile') profile = true;
    else if (arg.startsWith('--only=')) {
      only = new Set(arg.slice('--only='.length).split(','));
      for (const key of only) {
        if (!keys.has(key)) throw new Error(`Expected --only= to list workload keys (${[...keys].join(', ')}), got \`${key}\``);
      }
    } else {
      throw new Error(`Unknown argument \`${arg}\`. Expected --quick, --only=a,b, --elixir, --no-elixir or --profile.`);
    }
  }
  return { config: quick ? QUICK : FULL, only, elixir, profile };
}

async function main(): Promise<number> {
  const options = parse(process.argv.slice(2));
  if (options.profile) return runProfiles(options.config.quick);
  const { config } = options;
  console.log(
    `genserver-ts benchmarks${config.quick ? ' (quick: checks that every workload runs; speed not judged)' : ''}\n` +
      `node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown cpu'}); ` +
      `${config.rounds} interleaved rounds of ~${config.roundMs} ms per workload; min / median / max\n`,
  );
  const rows: Row[] = [];
  let failed = 0;
  for (const workload of workloads) {
    if (options.only !== undefined && !options.only.has(workload.key)) continue;
    console.log(`${workload.name} [${workload.key}]`);
    try {
      for (const row of await workload.run(config)) {
        console.log(progressLine(row));
        rows.push(row);
      }
    } catch (error) {
      failed++;
      console.error(`  FAILED: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    }
  }
  await stopThreads();
  if (options.elixir) rows.push(...(await runElixirSideBySide(rows, config)));
  console.log(`\n${finalTable(rows, config.quick)}`);
  if (failed > 0) console.error(`\n${failed} workload(s) failed.`);
  return failed > 0 ? 1 : 0;
}

let finished = false;
process.on('exit', () => {
  if (!finished) {
    console.error('bench: the event loop emptied before the benchmarks finished (a promise never settled).');
    process.exitCode = 1;
  }
});
main().then(
  (code) => {
    finished = true;
    process.exitCode = code;
  },
  (error: unknown) => {
    finished = true;
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  },
);
