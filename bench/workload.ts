import type { Config, Stats } from './harness';

/** What a figure counts; it decides how the figure is printed. */
export type Unit = 'ops/s' | 'ms' | 'B' | 'x';

/** A target from BENCHMARKS.md, as the text printed and the test applied to the medians. */
export interface Target {
  readonly text: string;
  met(ours: number, reference: number | undefined): boolean;
}

/** One line of the final table: our figure, the reference's (the baseline actor, or Elixir), the target. */
export interface Row {
  /** Matches the figure of the same name printed by bench/elixir/bench.exs. */
  readonly key: string;
  readonly name: string;
  readonly unit: Unit;
  readonly ours: Stats;
  readonly reference: Stats | undefined;
  /** Whose figure `reference` is: the baseline actor, Elixir, or the same workload's easy case. */
  readonly referenceName: 'baseline' | 'Elixir' | 'unique keys' | 'no timers' | '1 partition' | 'unbatched';
  readonly target: Target | undefined;
}

/** One benchmark: measures our library and the baseline actor, returns the rows it fills in. */
export interface Workload {
  /** Short id for `--only=` and for matching Elixir's figures. */
  readonly key: string;
  readonly name: string;
  run(config: Config): Promise<Row[]>;
}

/** ours ≥ factor × reference (rates: higher is better). */
export function atLeastTimes(factor: number, of = 'minimal actor'): Target {
  return { text: `>= ${factor} x ${of}`, met: (ours, ref) => ref !== undefined && ours >= factor * ref };
}

/** ours ≤ limit (a cost: lower is better). */
export function atMost(limit: number, text: string): Target {
  return { text, met: (ours) => ours <= limit };
}

export function row(key: string, name: string, unit: Unit, ours: Stats, base: Stats | undefined, target?: Target): Row {
  return { key, name, unit, ours, reference: base, referenceName: 'baseline', target };
}
