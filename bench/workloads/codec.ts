import { isDeepStrictEqual } from 'node:util';
import { candidates, payloads } from '../codec_candidates';
import { collect, opsPerSecond, stats, type Stats } from '../harness';
import { row, type Row, type Workload } from '../workload';

/**
 * The NATS transport's codec, chosen by this workload: every candidate encodes and decodes every
 * payload (round trips/s, interleaved rounds, rotating which candidate goes first) and the encoded
 * size is printed. The rows are the default codec's round trips; the candidates' figures and the
 * ratios are printed before them.
 */
export const codec: Workload = {
  key: 'codec',
  name: 'codec round trip (encode + decode)',
  async run(config) {
    for (const c of candidates) {
      for (const p of payloads) {
        if (!isDeepStrictEqual(c.decode(c.encode(p.value)), p.value)) throw new Error(`codec ${c.name} does not round-trip ${p.name}`);
      }
    }
    const figures = candidates.map(() => payloads.map(() => [] as number[]));
    const budget = config.roundMs / (candidates.length * payloads.length);
    // Round -1 warms every candidate up on every payload (so all are optimised) and is not kept.
    for (let round = config.quick ? 0 : -1; round < config.rounds; round++) {
      for (let k = 0; k < candidates.length; k++) {
        const ci = (k + Math.max(round, 0)) % candidates.length;
        const c = candidates[ci];
        for (let pi = 0; pi < payloads.length; pi++) {
          const value = payloads[pi].value;
          collect();
          const figure = await opsPerSecond(budget, async () => {
            for (let i = 0; i < 50; i++) c.decode(c.encode(value));
            return 50;
          });
          if (round >= 0) figures[ci][pi].push(figure);
        }
      }
    }
    const medians: Stats[][] = figures.map((byPayload) => byPayload.map((v) => stats(v)));
    const fmt = (n: number) => (n >= 1e6 ? `${(n / 1e6).toFixed(2)} M/s` : `${(n / 1e3).toFixed(1)} k/s`);
    console.log(`  ${'payload'.padEnd(42)} ${candidates.map((c) => c.name.padStart(26)).join('')}`);
    payloads.forEach((p, pi) => {
      const cells = candidates.map((c, ci) =>
        `${fmt(medians[ci][pi].median)} ${String(c.encode(p.value).byteLength).padStart(6)} B`.padStart(26),
      );
      console.log(`  ${p.name.padEnd(42)} ${cells.join('')}`);
    });
    const rows: Row[] = [];
    payloads.forEach((p, pi) => {
      const others = candidates
        .slice(1)
        .map((c, i) => `${c.name} ${(medians[0][pi].median / medians[i + 1][pi].median).toFixed(2)}x`)
        .join(', ');
      rows.push(row(`codec_${pi}`, `codec ${candidates[0].name}: ${p.name} (vs ${others})`, 'ops/s', medians[0][pi], undefined));
    });
    return rows;
  },
};
