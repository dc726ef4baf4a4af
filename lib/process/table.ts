import type { Process } from './process';

// Every process that has started and not yet died, for tools that list them all (the observer, like
// Erlang's `processes()`). One Set add and one delete per server lifetime: the start + stop bench
// shows no difference within noise (see the README's Observer section for the A/B), and the message
// path never touches it.

const live = new Set<Process>();

/** @internal A process has passed its name check and is starting. */
export function enlist(proc: Process): void {
  live.add(proc);
}

/** @internal A process died. */
export function delist(proc: Process): void {
  live.delete(proc);
}

/** @internal The live processes, in start order (read-only: iterate, never keep). */
export function liveProcesses(): ReadonlySet<Process> {
  return live;
}
