import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { Config, Stats } from './harness';
import { format, table } from './report';
import { atLeastTimes, type Row, type Target, type Unit } from './workload';

/**
 * The side-by-side with Elixir's GenServer: runs bench/elixir/bench.exs (after the Node workloads,
 * so the BEAM and Node never share the two cores), reads its `RESULT` lines and prints ours/Elixir
 * for every figure both measured. Returns the rows that carry an Elixir target, for the final table.
 */

const SCRIPT = join(__dirname, 'elixir', 'bench.exs');
const TIME_LIMIT_MS = 300_000;
const INSTALL_HINT = 'skipped: elixir not installed (apt-get install -y elixir erlang-nox)';

/** Targets against Elixir from BENCHMARKS.md, by row key. */
const ELIXIR_TARGETS: Readonly<Record<string, Target>> = {
  seq: atLeastTimes(6, 'Elixir'),
  start_stop: atLeastTimes(3, 'Elixir'),
};

interface ElixirFigure {
  readonly unit: string;
  readonly stats: Stats;
}

function onPath(command: string): boolean {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    try {
      accessSync(join(dir, command), constants.X_OK);
      return true;
    } catch {
      // not in this directory
    }
  }
  return false;
}

/** Runs the script; resolves to its stdout. Killed (and rejected) past TIME_LIMIT_MS. */
function runScript(quick: boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('elixir', quick ? [SCRIPT, '--quick'] : [SCRIPT], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), TIME_LIMIT_MS);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`elixir ${SCRIPT} ended with ${signal ?? `exit code ${code}`}\n${err}${out}`));
    });
  });
}

function parse(out: string): { info: string; figures: Map<string, ElixirFigure> } {
  const figures = new Map<string, ElixirFigure>();
  let info = '';
  for (const line of out.split('\n')) {
    const [tag, ...fields] = line.trim().split(/\s+/);
    if (tag === 'INFO') info = fields.join(' ');
    if (tag !== 'RESULT' || fields.length !== 5) continue;
    const [key, unit, min, median, max] = fields;
    const values = [Number(min), Number(median), Number(max)];
    figures.set(key, { unit, stats: { min: values[0], median: values[1], max: values[2], values } });
  }
  return { info, figures };
}

/** "7.3x faster" / "2.0x less": which way the ratio points, in words. */
function comparison(ours: number, elixir: number, unit: Unit): string {
  const higherIsBetter = unit === 'ops/s';
  const r = ours / elixir;
  const better = higherIsBetter ? r >= 1 : r <= 1;
  const factor = r >= 1 ? r : 1 / r;
  const word = unit === 'B' ? (better ? 'less' : 'more') : better ? 'faster' : 'slower';
  return unit === 'x' ? '-' : `${factor.toFixed(1)}x ${word}`;
}

export async function runElixirSideBySide(ours: readonly Row[], config: Config): Promise<Row[]> {
  console.log('\nElixir GenServer side by side');
  if (!onPath('elixir')) {
    console.log(`  ${INSTALL_HINT}`);
    return [];
  }
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(await runScript(config.quick));
  } catch (error) {
    console.error(`  FAILED: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
    return [];
  }
  const { info, figures } = parsed;
  const lines: string[][] = [];
  const rows: Row[] = [];
  for (const row of ours) {
    const elixir = figures.get(row.key);
    if (elixir === undefined) continue;
    const r = row.ours.median / elixir.stats.median;
    lines.push([
      row.name,
      format(row.ours.median, row.unit),
      format(elixir.stats.median, row.unit),
      `${format(elixir.stats.min, row.unit)} / ${format(elixir.stats.max, row.unit)}`,
      r.toFixed(2),
      comparison(row.ours.median, elixir.stats.median, row.unit),
    ]);
    const target = ELIXIR_TARGETS[row.key];
    if (target !== undefined) {
      rows.push({ ...row, name: `${row.name} vs Elixir`, reference: elixir.stats, referenceName: 'Elixir', target });
    }
  }
  console.log(`  ${info} (BEAM uses every core; Node runs on one)`);
  console.log(table(['workload', 'ours (median)', 'Elixir (median)', 'Elixir min / max', 'ours/Elixir', 'ours is'], lines));
  return rows;
}
