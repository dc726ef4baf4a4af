import { clearTimer } from './clock';
import { INFO, Message } from './message';
import type { Process } from './process';

/** The handle `sendAfter` returns; pass it to `GenServer.cancelTimer`. */
export class TimerRef {
  /** @internal */
  timer: NodeJS.Timeout | undefined = undefined;

  /** @internal */
  constructor(readonly owner: Process, readonly tag: string) {}

  toString(): string {
    return `#TimerRef<${this.tag}>`;
  }
}

/**
 * Delivers info `tag` with `payload` to `proc` after `ms`. A pending timer keeps Node running, as a
 * setTimeout does; when its server exits, the timer is cancelled with it.
 */
export function startTimer(proc: Process, tag: string, payload: unknown, ms: number): TimerRef {
  const ref = new TimerRef(proc, tag);
  ref.timer = setTimeout(() => {
    ref.timer = undefined;
    proc.timers?.delete(ref);
    // A message the server sent itself: never refused by maxMailbox.
    proc.deliver(new Message(INFO, tag, payload, proc.ref));
  }, ms);
  (proc.timers ??= new Set()).add(ref);
  return ref;
}

/** Cancels a timer; true if it was still pending (its message not yet delivered). */
export function cancelTimer(ref: TimerRef): boolean {
  if (ref.timer === undefined) return false;
  clearTimer(ref.timer);
  ref.timer = undefined;
  ref.owner.timers?.delete(ref);
  return true;
}

/** Cancels every pending timer of an exiting process. */
export function cancelAllTimers(proc: Process): void {
  if (proc.timers === undefined) return;
  for (const ref of proc.timers) {
    clearTimer(ref.timer);
    ref.timer = undefined;
  }
  proc.timers = undefined;
}
