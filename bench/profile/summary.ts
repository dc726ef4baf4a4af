import { readFileSync } from 'node:fs';
import { SourceMap, type SourceMapPayload } from 'node:module';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { table } from '../report';
import type { Sidecar } from './entry';

/**
 * Reads a .cpuprofile and its sidecar (see entry.ts) and prints where the measured window's time
 * went: self time per function and per file, as a share and as nanoseconds per operation, with
 * each function's TypeScript line found through ts-node's source maps.
 */

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

interface CpuProfile {
  nodes: { id: number; callFrame: CallFrame }[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface Summary {
  readonly ops: number;
  /** Self time in the window, in ns per operation, by "function file:line" and by file. */
  readonly byFunction: ReadonlyMap<string, number>;
  readonly byFile: ReadonlyMap<string, number>;
  readonly totalNsPerOp: number;
}

const ROOT = `${__dirname}/../..`;

function locator(maps: Readonly<Record<string, unknown>>): (frame: CallFrame) => string {
  const sourceMaps = new Map(Object.entries(maps).map(([file, payload]) => [file, new SourceMap(payload as SourceMapPayload)]));
  return (frame) => {
    if (frame.url === '') return '';
    const file = frame.url.startsWith('file://') ? fileURLToPath(frame.url) : frame.url;
    const entry = sourceMaps.get(file)?.findEntry(frame.lineNumber, frame.columnNumber);
    const line = entry !== undefined && 'originalLine' in entry ? entry.originalLine + 1 : frame.lineNumber + 1;
    return `${file.startsWith('node:') ? file : relative(ROOT, file)}:${line}`;
  };
}

export function summarize(profilePath: string, sidecarPath: string): Summary {
  const profile = JSON.parse(readFileSync(profilePath, 'utf8')) as CpuProfile;
  const sidecar = JSON.parse(readFileSync(sidecarPath, 'utf8')) as Sidecar;
  const where = locator(sidecar.maps);
  const frames = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
  const byFunction = new Map<string, number>();
  const byFile = new Map<string, number>();
  const inWindow = (t: number): boolean => sidecar.windows.some(([from, to]) => t >= from && t <= to);
  const nsPerOpPerUs = 1000 / sidecar.ops;
  let total = 0;
  let t = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i];
    // A sample stands for the time until the next one (as DevTools counts it).
    const us = i + 1 < profile.samples.length ? profile.timeDeltas[i + 1] : 0;
    if (!inWindow(t)) continue;
    const frame = frames.get(profile.samples[i])!;
    const location = where(frame);
    const fn = `${frame.functionName || '(anonymous)'}${location ? ` ${location}` : ''}`;
    const file = location === '' ? frame.functionName : location.replace(/:\d+$/, '');
    const ns = us * nsPerOpPerUs;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + ns);
    byFile.set(file, (byFile.get(file) ?? 0) + ns);
    total += ns;
  }
  return { ops: sidecar.ops, byFunction, byFile, totalNsPerOp: total };
}

function top(m: ReadonlyMap<string, number>, total: number, n: number): string[][] {
  return [...m]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([name, ns]) => [`${((100 * ns) / total).toFixed(1)}%`, ns.toFixed(1), name]);
}

export function render(summary: Summary, topFunctions = 16): string {
  const total = summary.totalNsPerOp;
  return [
    `${(summary.ops / 1e6).toFixed(2)} M ops in the measured window(s), ${total.toFixed(1)} ns of samples per op`,
    table(['self', 'ns/op', 'function (paths from the repository root)'], top(summary.byFunction, total, topFunctions)),
    '',
    table(['self', 'ns/op', 'file'], top(summary.byFile, total, 8)),
  ].join('\n');
}
