import { writeFileSync } from 'node:fs';
import { findSourceMap } from 'node:module';
import { GenServer } from '../../lib';
import { Counter, startActor } from '../fixtures';
import { opsPerSecond } from '../harness';
import { heldBase, heldOurs } from '../workloads/held_mailbox';

/**
 * The process that run_profiles.ts starts under `node --cpu-prof --enable-source-maps`: one workload
 * on one side for a fixed time and nothing else. It writes a sidecar for the summary: the source
 * maps ts-node produced (to point at TypeScript lines), the measured windows (to leave out start-up,
 * compilation and, for `drain`, filling the mailbox) and the operation count (for costs per op).
 *
 *   node --cpu-prof --enable-source-maps -r ts-node/register/transpile-only \
 *     bench/profile/entry.ts <seq|casts|drain> <ours|base> <ms> <sidecar.json>
 */

const BATCH = 1000;
const DRAIN_COUNT = 1_000_000;
export const WORKLOADS = ['seq', 'casts', 'drain'] as const;
type Workload = (typeof WORKLOADS)[number];
type Side = 'ours' | 'base';

export interface Sidecar {
  /** [start, end] pairs in microseconds of process.hrtime, the clock of the profile's timestamps. */
  readonly windows: readonly (readonly [number, number])[];
  readonly ops: number;
  readonly maps: Readonly<Record<string, unknown>>;
}

interface Measured {
  windows: [number, number][];
  ops: number;
}

function micros(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

/** Calls or casts in batches: one warm-up, then one window of `ms`. */
async function batches(ms: number, workload: 'seq' | 'casts', side: Side): Promise<Measured> {
  const ref = await Counter.start(0);
  const actor = await startActor();
  const batch: Record<string, () => Promise<number>> = {
    'seq ours': async () => {
      for (let i = 0; i < BATCH; i++) await GenServer.call(ref, 'get');
      return BATCH;
    },
    'seq base': async () => {
      for (let i = 0; i < BATCH; i++) await actor.call('get');
      return BATCH;
    },
    'casts ours': async () => {
      for (let i = 0; i < BATCH; i++) GenServer.cast(ref, 'add', 1);
      await GenServer.call(ref, 'get');
      return BATCH;
    },
    'casts base': async () => {
      for (let i = 0; i < BATCH; i++) actor.cast('add', 1);
      await actor.call('get');
      return BATCH;
    },
  };
  const run = batch[`${workload} ${side}`];
  try {
    await opsPerSecond(Math.min(500, ms / 4), run);
    const start = micros();
    const rate = await opsPerSecond(ms, run);
    const end = micros();
    return { windows: [[start, end]], ops: Math.round((rate * (end - start)) / 1e6) };
  } finally {
    await GenServer.stop(ref);
    await actor.stop();
  }
}

/** Long mailboxes drained, one after another until `ms` is spent; only the drains are in the windows. */
async function drains(ms: number, side: Side): Promise<Measured> {
  const hold = side === 'ours' ? heldOurs : heldBase;
  const measured: Measured = { windows: [], ops: 0 };
  const deadline = Date.now() + ms;
  for (let round = 0; round === 0 || Date.now() < deadline; round++) {
    const server = await hold(DRAIN_COUNT, 'add', 1, true);
    const start = micros();
    await server.release();
    const end = micros();
    await server.stop();
    if (round === 0) continue; // warm-up
    measured.windows.push([start, end]);
    measured.ops += DRAIN_COUNT;
  }
  return measured;
}

function sourceMaps(): Record<string, unknown> {
  const maps: Record<string, unknown> = {};
  for (const file of Object.keys(require.cache)) {
    const map = file.endsWith('.ts') ? findSourceMap(file) : undefined;
    if (map !== undefined) maps[file] = map.payload;
  }
  return maps;
}

async function main(): Promise<void> {
  const [workload, side, ms, sidecarPath] = process.argv.slice(2);
  if (!WORKLOADS.includes(workload as Workload) || (side !== 'ours' && side !== 'base') || !(Number(ms) > 0) || !sidecarPath) {
    throw new Error(`Usage: entry.ts <${WORKLOADS.join('|')}> <ours|base> <ms> <sidecar.json>, got \`${process.argv.slice(2).join(' ')}\``);
  }
  const measured = workload === 'drain' ? await drains(Number(ms), side) : await batches(Number(ms), workload as 'seq' | 'casts', side);
  const us = measured.windows.reduce((sum, [start, end]) => sum + end - start, 0);
  console.log(`${workload} ${side}: ${(measured.ops / us).toFixed(2)} M ops/s in the measured windows, under the profiler`);
  const sidecar: Sidecar = { ...measured, maps: sourceMaps() };
  writeFileSync(sidecarPath, JSON.stringify(sidecar));
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
