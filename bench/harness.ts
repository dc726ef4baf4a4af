import { performance } from 'node:perf_hooks';

/**
 * Interleaved rounds and their statistics. The machines are shared and noisy, so a figure alone
 * means little: each workload measures our library and the baseline actor in the same process,
 * alternating which goes first, and reports the ratio of their medians.
 */

export interface Stats {
  readonly min: number;
  readonly median: number;
  readonly max: number;
  readonly values: readonly number[];
}

/** How long and how often to measure; `quick` only checks that every workload runs. */
export interface Config {
  readonly quick: boolean;
  /** Measured rounds (each side once per round). */
  readonly rounds: number;
  /** Budget of one round, split between the two sides. */
  readonly roundMs: number;
}

export const FULL: Config = { quick: false, rounds: 5, roundMs: 2000 };
export const QUICK: Config = { quick: true, rounds: 2, roundMs: 150 };

/** One measurement of one side: given a time budget, resolves to the figure (ops/s, ms, bytes...). */
export type Measure = (budgetMs: number) => Promise<number>;

export interface Pair {
  readonly ours: Stats;
  readonly base: Stats;
}

export function stats(values: readonly number[]): Stats {
  if (values.length === 0) throw new Error('stats() needs at least one value');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { min: sorted[0], median, max: sorted[sorted.length - 1], values };
}

/** A full collection, so one side's garbage is not charged to the other. No-op without --expose-gc. */
export function collect(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc !== undefined) {
    gc();
    gc();
  }
}

/** Several figures from one measurement (say, enqueue and drain time), by name. */
export type Figures = Readonly<Record<string, number>>;

/**
 * Runs `ours` and `base` alternately for `config.rounds` rounds (after one short unmeasured warm-up
 * each, so both are optimised before timing), swapping which goes first every round.
 */
export async function interleavedFigures(
  ours: (budgetMs: number) => Promise<Figures>,
  base: (budgetMs: number) => Promise<Figures>,
  config: Config,
): Promise<Record<string, Pair>> {
  const half = config.roundMs / 2;
  if (!config.quick) {
    await ours(half / 4);
    await base(half / 4);
  }
  const o: Figures[] = [];
  const b: Figures[] = [];
  for (let round = 0; round < config.rounds; round++) {
    const order: [typeof ours, Figures[]][] =
      round % 2 === 0
        ? [
            [ours, o],
            [base, b],
          ]
        : [
            [base, b],
            [ours, o],
          ];
    for (const [measure, into] of order) {
      collect();
      into.push(await measure(half));
    }
  }
  const pairs: Record<string, Pair> = {};
  for (const key of Object.keys(o[0])) {
    pairs[key] = { ours: stats(o.map((f) => f[key])), base: stats(b.map((f) => f[key])) };
  }
  return pairs;
}

/** `interleavedFigures` for measurements of one figure. */
export async function interleaved(ours: Measure, base: Measure, config: Config): Promise<Pair> {
  const pairs = await interleavedFigures(
    async (ms) => ({ value: await ours(ms) }),
    async (ms) => ({ value: await base(ms) }),
    config,
  );
  return pairs.value;
}

/**
 * Repeats `batch` (which resolves to the number of operations it did) until `budgetMs` has passed,
 * and returns operations per second. The clock is read once per batch, so keep batches short
 * (well under a millisecond or so) but long enough to hide the clock read.
 */
export async function opsPerSecond(budgetMs: number, batch: () => Promise<number>): Promise<number> {
  const start = performance.now();
  const deadline = start + budgetMs;
  let ops = 0;
  let now = start;
  do {
    ops += await batch();
    now = performance.now();
  } while (now < deadline);
  return (ops * 1000) / (now - start);
}

/** Milliseconds taken by `work`. */
export async function millis(work: () => Promise<void>): Promise<number> {
  const start = performance.now();
  await work();
  return performance.now() - start;
}

/** Resolves after `ms` on a timer, letting the event loop turn. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Throws when a workload's server ended in the wrong state: a benchmark that lost messages measures nothing. */
export function expectEqual(what: string, actual: unknown, expected: unknown): void {
  if (actual !== expected) throw new Error(`${what}: expected ${String(expected)}, got ${String(actual)}`);
}
