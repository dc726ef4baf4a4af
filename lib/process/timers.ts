import { Delay } from './delay';
import { INFO, Message } from './message';
import type { Process } from './process';
import { DEAD } from './status';

/** The handle `sendAfter` returns; pass it to `GenServer.cancelTimer`. */
export class TimerRef {
  /** @internal */
  timer: Delay | undefined = undefined;

  /** @internal */
  constructor(
    readonly owner: Process,
    readonly tag: string,
  ) {}

  toString(): string {
    return `#TimerRef<${this.tag}>`;
  }
}

/**
 * Delivers info `tag` with `payload` to `proc` after `ms` (any finite delay, beyond 2^31-1 ms too).
 * A pending timer keeps Node running, as a setTimeout does; when its server exits, the timer is
 * cancelled with it. A dead server (an async handler resuming after its server was killed) gets a
 * handle that was never armed: nothing outlives its server.
 */
export function startTimer(proc: Process, tag: string, payload: unknown, ms: number): TimerRef {
  const ref = new TimerRef(proc, tag);
  if (proc.status === DEAD) return ref;
  ref.timer = new Delay(() => {
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
  ref.timer.cancel();
  ref.timer = undefined;
  ref.owner.timers?.delete(ref);
  return true;
}

/** Cancels every pending timer of an exiting process. */
export function cancelAllTimers(proc: Process): void {
  if (proc.timers === undefined) return;
  for (const ref of proc.timers) {
    ref.timer?.cancel();
    ref.timer = undefined;
  }
  proc.timers = undefined;
}
