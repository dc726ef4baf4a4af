import { INFO, Message } from './message';
import type { Process } from './process';
import type { ServerRef } from './ref';

/**
 * Links and monitors, as in OTP. A link is two-way: when either process exits, the other gets an
 * exit signal (which kills it unless it traps exits or the reason is 'normal'). A monitor is
 * one-way: the watcher gets an info message `DOWN` with `{ monitor, ref, reason }`.
 */
export class MonitorRef {
  private static lastId = 0;
  readonly id = ++MonitorRef.lastId;

  /** @internal */
  constructor(
    readonly watcher: Process,
    /** Undefined for a monitor on a name that no server held. */
    readonly target: Process | undefined,
  ) {}

  toString(): string {
    return `#MonitorRef<${this.id}>`;
  }
}

/** The payload of an `EXIT` info message (delivered when trapping exits). */
export interface ExitMessage {
  /** The linked server that exited, or the sender of `GenServer.exit` (undefined outside servers). */
  from: ServerRef | undefined;
  reason: unknown;
}

/** The payload of a `DOWN` info message. */
export interface DownMessage {
  monitor: MonitorRef;
  /** The server that went down (undefined when a name was monitored that no server held). */
  ref: ServerRef | undefined;
  reason: unknown;
}

const settled = Promise.resolve();

/** Links two live processes; with a dead one it does nothing (nothing outlives its server). */
export function link(a: Process, b: Process): void {
  if (a === b || a.isDead || b.isDead) return;
  (a.links ??= new Set()).add(b);
  (b.links ??= new Set()).add(a);
}

export function unlink(a: Process, b: Process): void {
  a.links?.delete(b);
  b.links?.delete(a);
}

export function monitor(watcher: Process, target: Process | undefined): MonitorRef {
  const ref = new MonitorRef(watcher, target);
  // A dead watcher (an async handler resuming after its server died) gets an inactive monitor.
  if (watcher.isDead) return ref;
  if (target === undefined || target.isDead) {
    deliverDown(ref, 'noproc');
    return ref;
  }
  (target.watchers ??= new Set()).add(ref);
  (watcher.watching ??= new Set()).add(ref);
  return ref;
}

/** Removes a monitor; true if it was still active (no DOWN delivered yet). */
export function demonitor(ref: MonitorRef): boolean {
  const active = ref.target?.watchers?.delete(ref) ?? false;
  ref.watcher.watching?.delete(ref);
  return active;
}

function deliverDown(ref: MonitorRef, reason: unknown): void {
  const down: DownMessage = { monitor: ref, ref: ref.target?.ref, reason };
  ref.watcher.deliverControl(new Message(INFO, 'DOWN', down, ref.watcher.ref));
}

/** Tells everyone linked to or monitoring a process that just died; drops the monitors it held. */
export function notifyExit(proc: Process, reason: unknown): void {
  if (proc.links !== undefined) {
    const links = proc.links;
    proc.links = undefined;
    for (const other of links) {
      other.links?.delete(proc);
      // Signals travel asynchronously, as in OTP; it also keeps long link chains off the stack.
      // A settled promise's reaction, not queueMicrotask, which fake-timers 15's install() fakes by default.
      settled.then(() => other.exitSignal(proc, reason));
    }
  }
  if (proc.watchers !== undefined) {
    const watchers = proc.watchers;
    proc.watchers = undefined;
    for (const ref of watchers) {
      ref.watcher.watching?.delete(ref);
      deliverDown(ref, reason);
    }
  }
  if (proc.watching !== undefined) {
    for (const ref of proc.watching) ref.target?.watchers?.delete(ref);
    proc.watching = undefined;
  }
}
