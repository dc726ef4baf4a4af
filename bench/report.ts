import type { Stats } from './harness';
import type { Row, Unit } from './workload';

/** Printing: one progress line per row as it is measured, and the final table. */

export function format(value: number, unit: Unit): string {
  switch (unit) {
    case 'ops/s':
      if (value >= 1e6) return `${(value / 1e6).toFixed(2)} M/s`;
      if (value >= 1e3) return `${(value / 1e3).toFixed(1)} k/s`;
      return `${value.toFixed(0)} /s`;
    case 'ms':
      return `${value.toFixed(value < 100 ? 1 : 0)} ms`;
    case 'B':
      return value >= 1024 ? `${(value / 1024).toFixed(2)} KB` : `${value.toFixed(0)} B`;
    case 'x':
      return `${value.toFixed(2)}x`;
  }
}

function spread(s: Stats, unit: Unit): string {
  return `${format(s.min, unit)} / ${format(s.median, unit)} / ${format(s.max, unit)}`;
}

export function ratio(row: Row): number | undefined {
  return row.reference === undefined ? undefined : row.ours.median / row.reference.median;
}

/** "met" / "NOT MET" by the medians; "-" without a target; in quick mode targets are not judged. */
export function verdict(row: Row, quick: boolean): string {
  if (row.target === undefined) return '-';
  if (quick) return '(quick: not judged)';
  return row.target.met(row.ours.median, row.reference?.median) ? 'met' : 'NOT MET';
}

/** The line printed as soon as a row is measured: min / median / max of each side. */
export function progressLine(row: Row): string {
  const ours = `ours ${spread(row.ours, row.unit)}`;
  if (row.reference === undefined) return `  ${row.name}: ${ours}`;
  const r = ratio(row)!;
  return `  ${row.name}: ${ours} | ${row.referenceName} ${spread(row.reference, row.unit)} | ratio of medians ${r.toFixed(2)}`;
}

/** A plain-text table with a header rule; columns padded to their widest cell. */
export function table(header: readonly string[], lines: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const render = (cells: readonly string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i]))
      .join(' | ')
      .trimEnd();
  return [render(header), widths.map((w) => '-'.repeat(w)).join('-|-'), ...lines.map(render)].join('\n');
}

export function finalTable(rows: readonly Row[], quick: boolean): string {
  return table(
    ['workload', 'ours (median)', 'reference (median)', 'ratio ours/ref', 'target', 'met'],
    rows.map((row) => {
      const r = ratio(row);
      return [
        row.name,
        format(row.ours.median, row.unit),
        row.reference === undefined ? '-' : `${format(row.reference.median, row.unit)} (${row.referenceName})`,
        r === undefined ? '-' : r.toFixed(2),
        row.target?.text ?? '-',
        verdict(row, quick),
      ];
    }),
  );
}
