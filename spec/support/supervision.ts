// Fixtures shared by the supervision specs (supervisor, supervisor_restarts, dynamic_supervisor):
// a worker that writes down when it starts and stops, and can be made to crash or exit on demand.
import { GenServer, ServerRef, Supervisor, handleCall, handleCast, init, reply, stop, terminate, type ChildSpec } from '../../lib';
import { sleep } from './helpers';

export interface WorkerArg {
  id: string;
  /** What `@terminate` does: return at once (default), take this many ms, wait for a promise, or never finish. */
  terminate?: number | Promise<void> | 'hang';
  /** `@init` throws. */
  failInit?: boolean;
}

/**
 * What the workers did, in order: `start a`, `stop a`, and `stopped a` once a slow terminate has
 * finished. Cleared before each test by `recordEvents()`.
 */
export const events: string[] = [];

/** The reason each worker's terminate last ran with, by id. */
export const terminateReasons = new Map<string, unknown>();

/** Every Worker ref started since the last `recordEvents()` reset, to check that none is left alive. */
export const started: ServerRef[] = [];

export class Worker extends GenServer<WorkerArg> {
  @init
  setup(arg: WorkerArg) {
    events.push(`start ${arg.id}`);
    started.push(this.self);
    if (arg.failInit) throw new Error(`${arg.id} cannot start`);
    return arg;
  }

  @handleCall('id')
  whoAmI(_: void, s: WorkerArg) {
    return reply(s.id, s);
  }

  /** Throws: the worker crashes with that Error. */
  @handleCast('crash')
  crash(_: void, s: WorkerArg): never {
    throw new Error(`${s.id} crashed`);
  }

  /** Stops the worker with the given reason ('normal', 'shutdown', { shutdown: x }...). */
  @handleCast('exit')
  exit(reason: unknown, s: WorkerArg) {
    return stop(reason, s);
  }

  @terminate
  async cleanup(reason: unknown, s: WorkerArg) {
    events.push(`stop ${s.id}`);
    terminateReasons.set(s.id, reason);
    if (s.terminate === 'hang') return new Promise<void>(() => undefined);
    if (s.terminate !== undefined) {
      await (typeof s.terminate === 'number' ? sleep(s.terminate) : s.terminate);
      events.push(`stopped ${s.id}`);
    }
  }
}

/** A child spec for a Worker with its own id: `worker('a', { restart: 'transient' })`. */
export function worker(id: string, options: Partial<Omit<ChildSpec, 'id' | 'start'>> & Partial<Omit<WorkerArg, 'id'>> = {}): ChildSpec {
  const { terminate: terminateWith, failInit, ...spec } = options;
  return { id, start: () => Worker.startLink({ id, terminate: terminateWith, failInit }), ...spec };
}

/** Clears `events` and `terminateReasons` before each test of the enclosing describe. */
export function recordEvents(): void {
  beforeEach(() => {
    events.length = 0;
    terminateReasons.clear();
    started.length = 0;
  });
}

/**
 * Resolves once the supervisor has handled every message queued before this call — an exit
 * signal from a child that has exited, say — like `:sys.get_state` used as a barrier in Elixir tests.
 */
export async function settled(sup: ServerRef): Promise<void> {
  await GenServer.getState(sup);
}

/** The ref of a supervisor's running child, by id; throws if it is not running. */
export function refOf(sup: ServerRef, id: string): ServerRef {
  const row = Supervisor.whichChildren(sup).find((c) => c.id === id);
  if (!(row?.ref instanceof ServerRef))
    throw new Error(
      `no running child '${id}' in ${Supervisor.whichChildren(sup)
        .map((c) => c.id)
        .join(', ')}`,
    );
  return row.ref;
}

/** The refs of a supervisor's running children, by id. */
export function refsOf(sup: ServerRef): Record<string, ServerRef> {
  const refs: Record<string, ServerRef> = {};
  for (const { id, ref } of Supervisor.whichChildren(sup)) if (id !== undefined && ref instanceof ServerRef) refs[id] = ref;
  return refs;
}

/** Makes a running child exit: `'crash'` throws in a handler, anything else is the stop reason. */
export async function exitChild(ref: ServerRef, how: unknown): Promise<unknown> {
  if (how === 'crash') GenServer.cast(ref, 'crash');
  else if (how === 'kill') GenServer.exit(ref, 'kill');
  else GenServer.cast(ref, 'exit', how);
  return GenServer.awaitExit(ref);
}

/** Polls `check` until it returns true (every 5 ms, for at most `ms`); fails with `what` otherwise. */
export async function eventually(what: string, check: () => boolean, ms = 2000): Promise<void> {
  const deadline = performance.now() + ms;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`timed out after ${ms} ms waiting until ${what}`);
    await sleep(5);
  }
}
