import { memoryUsage } from 'node:process';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { DynamicSupervisorServer, dynamicSupervisorView } from '../behaviours/dynamic_supervisor';
import { SupervisorServer, supervisorView, type SupervisorView } from '../behaviours/supervisor';
import type { Process } from '../process/process';
import { PROC, ServerRef } from '../process/ref';
import { liveProcesses } from '../process/table';
import { nameText } from './format';

// The data feed: one sample of every live server per interval, read from the process table without
// touching the message path (counters the runtime keeps anyway: handled, dropped, queue length).
// Every row and point names its node, so rows from other nodes (threads, a cluster) can join the feed.

/** One row of the servers table. */
export interface ServerRow {
  id: number;
  node: string;
  className: string;
  name: string;
  status: string;
  mailbox: number;
  /** Messages handled per second over the last interval. */
  rate: number;
  handled: number;
  dropped: number;
  links: number;
  monitors: number;
  /** When the observer first saw it (ms since the epoch). */
  since: number;
  /** True if it was already running when the observer started: its uptime is at least `now - since`. */
  before: boolean;
  supervisor: boolean;
  tracing: boolean;
}

/** One point of the charts. */
export interface SeriesPoint {
  t: number;
  servers: number;
  /** Messages handled per second, all servers. */
  rate: number;
  mailbox: number;
  /** Event-loop delay over the interval, ms. */
  loopMean: number;
  loopMax: number;
  heapUsed: number;
  heapTotal: number;
  /** The largest mailboxes at this point. */
  top: { id: number; label: string; mailbox: number }[];
}

export interface TreeChild {
  childId: string | undefined;
  id: number | undefined;
  status: string;
  className: string | undefined;
  name: string;
  type: string;
  restart: string;
  restarts: number;
  supervisor?: TreeNode;
}

export interface TreeNode {
  id: number;
  node: string;
  kind: SupervisorView['kind'];
  name: string;
  strategy: string;
  restarts: number;
  maxRestarts: number;
  maxSeconds: number;
  childCount: number;
  children: TreeChild[];
}

export type SortKey = 'id' | 'className' | 'name' | 'status' | 'mailbox' | 'rate' | 'handled' | 'dropped' | 'links' | 'monitors' | 'since';
export const SORT_KEYS: readonly SortKey[] = [
  'id',
  'className',
  'name',
  'status',
  'mailbox',
  'rate',
  'handled',
  'dropped',
  'links',
  'monitors',
  'since',
];

export interface Query {
  filter: string;
  sort: SortKey;
  desc: boolean;
  offset: number;
  limit: number;
}

export interface Page {
  generation: number;
  total: number;
  matched: number;
  offset: number;
  rows: ServerRow[];
}

interface Track extends ServerRow {
  proc: Process;
  lastHandled: number;
  seen: number;
  /** Lower-case text the filter matches against. */
  text: string;
}

/** Children listed per dynamic supervisor in the tree (it may have 100 000; the table has them all). */
const TREE_CHILDREN = 50;
const TOP_N = 5;

export class Feed {
  generation = 0;
  readonly history: SeriesPoint[] = [];
  private readonly tracks = new Map<Process, Track>();
  private readonly byId = new Map<number, Track>();
  private rows: Track[] = [];
  private lastTime = 0;
  private readonly loop: IntervalHistogram;
  private sorted: { key: string; rows: Track[] } | undefined;
  tree: TreeNode[] = [];

  constructor(
    readonly node: string,
    private readonly historyLength: number,
  ) {
    this.loop = monitorEventLoopDelay({ resolution: 10 });
    this.loop.enable();
  }

  close(): void {
    this.loop.disable();
  }

  /** Reads every live server once; returns the new chart point. */
  sample(): SeriesPoint {
    const now = Date.now();
    const first = this.generation === 0;
    const dt = this.lastTime === 0 ? 0 : (now - this.lastTime) / 1000;
    this.lastTime = now;
    const gen = ++this.generation;
    const rows: Track[] = [];
    let rate = 0;
    let mailbox = 0;
    const supervisors: Process[] = [];
    for (const proc of liveProcesses()) {
      let t = this.tracks.get(proc);
      if (t === undefined) {
        const name = nameText(proc.name);
        t = {
          proc,
          id: proc.id,
          node: this.node,
          className: proc.className,
          name,
          status: '',
          mailbox: 0,
          rate: 0,
          handled: proc.handled,
          dropped: 0,
          links: 0,
          monitors: 0,
          since: now,
          before: first,
          supervisor: proc.server instanceof SupervisorServer || proc.server instanceof DynamicSupervisorServer,
          tracing: false,
          lastHandled: proc.handled,
          seen: gen,
          text: `#${proc.id} ${proc.className} ${name}`.toLowerCase(),
        };
        this.tracks.set(proc, t);
        this.byId.set(proc.id, t);
      }
      t.seen = gen;
      t.status = proc.statusName;
      t.mailbox = proc.mailboxLength;
      t.rate = dt > 0 ? (proc.handled - t.lastHandled) / dt : 0;
      t.lastHandled = t.handled = proc.handled;
      t.dropped = proc.dropped;
      t.links = proc.links?.size ?? 0;
      t.monitors = proc.watching?.size ?? 0;
      t.tracing = proc.tracing;
      rate += t.rate;
      mailbox += t.mailbox;
      if (t.supervisor) supervisors.push(proc);
      rows.push(t);
    }
    if (this.tracks.size !== rows.length) {
      for (const [proc, t] of this.tracks) {
        if (t.seen !== gen) {
          this.tracks.delete(proc);
          this.byId.delete(t.id);
        }
      }
    }
    this.rows = rows;
    this.sorted = undefined;
    this.tree = buildTree(supervisors, this.node);
    const loopMean = this.loop.count > 0 ? this.loop.mean / 1e6 : 0;
    const loopMax = this.loop.count > 0 ? this.loop.max / 1e6 : 0;
    this.loop.reset();
    const mem = memoryUsage();
    const point: SeriesPoint = {
      t: now,
      servers: rows.length,
      rate: Math.round(rate),
      mailbox,
      loopMean: round2(loopMean),
      loopMax: round2(loopMax),
      heapUsed: mem.heapUsed,
      heapTotal: mem.heapTotal,
      top: topMailboxes(rows),
    };
    this.history.push(point);
    if (this.history.length > this.historyLength) this.history.shift();
    return point;
  }

  /** One page of the table: filtered, sorted, sliced on the server, so the page stays light with 100 000 servers. */
  page(q: Query): Page {
    const rows = this.matching(q);
    return {
      generation: this.generation,
      total: this.rows.length,
      matched: rows.length,
      offset: q.offset,
      rows: rows.slice(q.offset, q.offset + q.limit).map(publicRow),
    };
  }

  /** The process with this id, if it is live (or was at the last sample). */
  process(id: number): Process | undefined {
    const t = this.byId.get(id);
    if (t !== undefined) return t.proc;
    for (const proc of liveProcesses()) if (proc.id === id) return proc;
    return undefined;
  }

  private matching(q: Query): Track[] {
    const key = `${q.filter}\u0000${q.sort}\u0000${q.desc}`;
    if (this.sorted?.key === key) return this.sorted.rows;
    const needle = q.filter.trim().toLowerCase();
    const rows = needle === '' ? this.rows.slice() : this.rows.filter((r) => r.text.includes(needle) || r.status === needle);
    const k = q.sort;
    const sign = q.desc ? -1 : 1;
    rows.sort((a, b) => {
      const x = a[k];
      const y = b[k];
      const c = typeof x === 'number' ? x - (y as number) : (x as string) < (y as string) ? -1 : (x as string) > (y as string) ? 1 : 0;
      return c !== 0 ? sign * c : a.id - b.id;
    });
    this.sorted = { key, rows };
    return rows;
  }
}

function publicRow(t: Track): ServerRow {
  return {
    id: t.id,
    node: t.node,
    className: t.className,
    name: t.name,
    status: t.status,
    mailbox: t.mailbox,
    rate: Math.round(t.rate * 10) / 10,
    handled: t.handled,
    dropped: t.dropped,
    links: t.links,
    monitors: t.monitors,
    since: t.since,
    before: t.before,
    supervisor: t.supervisor,
    tracing: t.tracing,
  };
}

function topMailboxes(rows: Track[]): SeriesPoint['top'] {
  const top: Track[] = [];
  for (const r of rows) {
    if (r.mailbox === 0) continue;
    if (top.length < TOP_N) {
      top.push(r);
      top.sort((a, b) => b.mailbox - a.mailbox);
    } else if (r.mailbox > top[TOP_N - 1].mailbox) {
      top[TOP_N - 1] = r;
      top.sort((a, b) => b.mailbox - a.mailbox);
    }
  }
  return top.map((r) => ({ id: r.id, label: r.name || `${r.className} #${r.id}`, mailbox: r.mailbox }));
}

function viewOf(proc: Process): SupervisorView | undefined {
  return supervisorView(proc) ?? dynamicSupervisorView(proc, TREE_CHILDREN);
}

/** Supervisors whose parent is not a supervisor are roots; nested ones hang under their child entry. */
function buildTree(supervisors: Process[], node: string): TreeNode[] {
  const views = new Map<Process, SupervisorView>();
  for (const proc of supervisors) {
    const view = viewOf(proc);
    if (view !== undefined) views.set(proc, view);
  }
  const visit = (proc: Process, view: SupervisorView, depth: number): TreeNode => ({
    id: proc.id,
    node,
    kind: view.kind,
    name: nameText(proc.name),
    strategy: view.strategy,
    restarts: view.restarts,
    maxRestarts: view.maxRestarts,
    maxSeconds: view.maxSeconds,
    childCount: view.childCount,
    children: view.children.map((c) => {
      const child = c.ref instanceof ServerRef ? c.ref[PROC] : undefined;
      const sub = child && views.get(child);
      return {
        childId: c.id,
        id: child?.id,
        status: child ? child.statusName : c.ref === 'restarting' ? 'restarting' : 'stopped',
        className: child?.className,
        name: child ? nameText(child.name) : '',
        type: c.type,
        restart: c.restart,
        restarts: c.restarts,
        ...(sub && depth < 20 ? { supervisor: visit(child, sub, depth + 1) } : {}),
      };
    }),
  });
  const roots: TreeNode[] = [];
  for (const [proc, view] of views) {
    if (proc.parent !== undefined && views.has(proc.parent)) continue;
    roots.push(visit(proc, view, 0));
  }
  return roots;
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
