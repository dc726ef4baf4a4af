import { expectEqual, interleaved, interleavedFigures, millis, stats, type Config, type Figures, type Stats } from '../harness';
import { atMost, row, type Row, type Target, type Workload } from '../workload';
import { heldBase, heldOurs, type HeldServer } from './held_mailbox';

/** The longest mailbox drains within this many times the bare actor's time. */
const DRAIN_FACTOR = 2;

/** ours ≤ factor × the bare actor's (a time: lower is better). */
function atMostTimes(factor: number): Target {
  return { text: `<= ${factor} x minimal actor's time`, met: (ours, ref) => ref !== undefined && ours <= factor * ref };
}

/** Per-cast cost at the largest count may exceed the smallest's by this much and still count as linear (GC, caches). */
const LINEAR_SLACK = 1.5;

function sizesFor(config: Config): number[] {
  return config.quick ? [25_000, 50_000, 100_000] : [250_000, 500_000, 1_000_000];
}

/** Fills a held server's mailbox with `n` casts, then times the drain up to the call queued last. */
async function drain(n: number, hold: (n: number) => Promise<HeldServer>): Promise<Figures> {
  const server = await hold(n);
  try {
    // Let the event loop turn first: the fill was one long synchronous stretch, and the library's
    // scheduler rightly yields at once after one; the drain is timed from a quiet loop.
    await new Promise<void>((resolve) => setImmediate(resolve));
    let count: unknown;
    const drainMs = await millis(async () => {
      count = await server.release();
    });
    expectEqual('casts drained', count, n);
    return { enqueue: server.enqueueMs, drain: drainMs };
  } finally {
    await server.stop();
  }
}

/**
 * Heap held per queued cast. Measured apart from the timed drains: the full collections it needs
 * move the whole mailbox to the old generation just before the drain, which then runs several
 * times slower for a while (most visibly at the smaller counts) and would blur the linearity check.
 */
async function bytesPerCast(
  n: number,
  hold: (n: number, tag: 'add', payload: number, weigh: boolean) => Promise<HeldServer>,
): Promise<number> {
  const server = await hold(n, 'add', 1, true);
  try {
    expectEqual('casts drained', await server.release(), n);
    return server.bytesPerMessage!;
  } finally {
    await server.stop();
  }
}

function label(n: number): string {
  return n >= 1_000_000 ? `${n / 1_000_000}M` : `${n / 1000}k`;
}

/**
 * Cost per cast at the largest count over the cost at the smallest, from each count's fastest
 * drain: on a shared machine noise only ever adds time, so the minimums are the cleanest pair.
 */
function linearity(small: Stats, smallN: number, large: Stats, largeN: number): Stats {
  return stats([large.min / largeN / (small.min / smallN)]);
}

/**
 * One server with a long mailbox: N casts queued while it is held, then drained. Run at three
 * counts, so the drain can be seen to take time linear in N (a queue that shifted an array would
 * be quadratic). Queueing is timed apart: it is the sender's cost, and it is where the garbage
 * collector works hardest, since every queued message survives. The heap each queued cast holds is
 * measured too, in runs of its own.
 */
export const queuedCasts: Workload = {
  key: 'queued',
  name: 'queued casts, drained',
  async run(config) {
    const sizes = sizesFor(config);
    const largest = sizes[sizes.length - 1];
    const rounds = { ...config, rounds: Math.min(config.rounds, 5) };
    const rows: Row[] = [];
    const drains: { ours: Stats; base: Stats }[] = [];
    for (const n of sizes) {
      const pairs = await interleavedFigures(
        () => drain(n, (k) => heldOurs(k, 'add', 1)),
        () => drain(n, (k) => heldBase(k, 'add', 1)),
        rounds,
      );
      drains.push(pairs.drain);
      // The target for the longest mailbox: drained within 2x the bare actor's time.
      const target = n === largest ? atMostTimes(DRAIN_FACTOR) : undefined;
      rows.push(row(`queued_${n}`, `${label(n)} queued casts: drain`, 'ms', pairs.drain.ours, pairs.drain.base, target));
      rows.push(row(`queued_enqueue_${n}`, `${label(n)} queued casts: enqueue`, 'ms', pairs.enqueue.ours, pairs.enqueue.base));
    }
    const bytes = await interleaved(
      () => bytesPerCast(largest, heldOurs),
      () => bytesPerCast(largest, heldBase),
      { ...config, rounds: Math.min(config.rounds, 2) },
    );
    rows.push(row('queued_bytes', `heap per queued cast (${label(largest)} queued)`, 'B', bytes.ours, bytes.base));
    const [s, l] = [0, sizes.length - 1];
    rows.push(
      row(
        'queued_linearity',
        `queued casts: drain ns/cast at ${label(sizes[l])} / at ${label(sizes[s])}`,
        'x',
        linearity(drains[s].ours, sizes[s], drains[l].ours, sizes[l]),
        linearity(drains[s].base, sizes[s], drains[l].base, sizes[l]),
        atMost(LINEAR_SLACK, `<= ${LINEAR_SLACK} (linear)`),
      ),
    );
    return rows;
  },
};
