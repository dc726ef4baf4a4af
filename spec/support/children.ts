import { spawn, spawnSync, type ChildProcess } from 'node:child_process';

/**
 * Every OS process the spec support starts (nats-servers, node programs) is tracked here, so none
 * outlives the run that started it, however that run ends:
 *
 * - a normal end or `process.exit` (an uncaught exception included): killed in an `exit` handler;
 * - SIGINT (Ctrl-C), SIGTERM or SIGHUP to this process: killed, then this process ends by the
 *   same signal (Node's default for these signals skips `exit` handlers, hence the handlers);
 * - this process killed with `kill -9` (no handler runs): a small reaper process, started with the
 *   first child, holds a pipe from this process; when the pipe closes it kills what is still
 *   listed and exits. It ignores SIGINT and SIGHUP, so a Ctrl-C to the whole terminal's process
 *   group does not take it down before it has done its job.
 *
 * @example
 *   const child = spawn('nats-server', ['-c', file]);
 *   track(child); // killed (SIGKILL) when this process ends, whatever way
 */

const live = new Set<ChildProcess>();
let reaper: ChildProcess | undefined;
let handlersInstalled = false;

// The reaper: one line per event on stdin, `+pid` (started) or `-pid` (exited); at end of input
// (this process is gone) every pid still listed gets SIGKILL.
const REAPER = `
process.on('SIGINT', () => {}); process.on('SIGHUP', () => {});
const pids = new Set(); let buf = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (d) => { buf += d; let i;
  while ((i = buf.indexOf('\\n')) >= 0) { const l = buf.slice(0, i); buf = buf.slice(i + 1);
    if (l[0] === '+') pids.add(Number(l.slice(1))); else if (l[0] === '-') pids.delete(Number(l.slice(1))); } });
process.stdin.on('end', () => { for (const p of pids) { try { process.kill(p, 'SIGKILL'); } catch {} } process.exit(0); });
process.stdin.on('error', () => {});
`;

function tellReaper(line: string): void {
  try {
    reaper?.stdin?.write(`${line}\n`);
  } catch {
    // the reaper is gone; the in-process handlers still clean up
  }
}

function startReaper(): void {
  if (reaper !== undefined) return;
  const child = spawn(process.execPath, ['-e', REAPER], { stdio: ['pipe', 'ignore', 'ignore'] });
  child.on('error', () => undefined);
  child.stdin?.on('error', () => undefined);
  // Neither the reaper nor its pipe keeps this process running.
  child.unref();
  (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  reaper = child;
}

/** Kills (SIGKILL) every tracked child still running; returns how many there were. */
export function killAllChildren(): number {
  const left = [...live];
  for (const child of left) {
    try {
      child.kill('SIGKILL');
    } catch {
      // exited already
    }
  }
  return left.length;
}

function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', () => {
    killAllChildren();
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = () => {
      killAllChildren();
      process.removeListener(signal, onSignal);
      // Other listeners (a reporter, say) decide for themselves; alone, end as the signal would.
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    };
    process.on(signal, onSignal);
  }
}

/** Tracks `child`: it is killed when this process ends, however it ends. */
export function track(child: ChildProcess): void {
  installHandlers();
  startReaper();
  live.add(child);
  if (child.pid !== undefined) tellReaper(`+${child.pid}`);
  child.once('exit', () => {
    live.delete(child);
    if (child.pid !== undefined) tellReaper(`-${child.pid}`);
  });
}

/** The tracked children still running. */
export function liveChildren(): readonly ChildProcess[] {
  return [...live];
}

/** The pid of the reaper process, if started (it is the one child allowed to outlive a spec). */
export function reaperPid(): number | undefined {
  return reaper?.pid;
}

/**
 * The OS processes whose parent is this process (from `ps`), except the reaper: what a spec run
 * leaves behind, whether the spec support started it or not. Empty where `ps` is missing.
 */
export function osChildren(): { pid: number; command: string }[] {
  const result = spawnSync('ps', ['-o', 'pid=,args=', '--ppid', String(process.pid)], { encoding: 'utf8' });
  if (result.status !== 0 && result.stdout === '') return [];
  const self = result.pid;
  return result.stdout
    .split('\n')
    .map((line) => /^\s*(\d+)\s+(.*)$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ pid: Number(m[1]), command: m[2] }))
    .filter((p) => p.pid !== self && p.pid !== reaper?.pid);
}
