import { GenServer } from '../behaviours/gen_server';
import { Supervisor } from '../behaviours/supervisor';
import { supervisorView } from '../behaviours/supervisor';
import type { Process } from '../process/process';

// What the page's buttons do. Every action goes through the public API, as user code would.

export class ActionError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export function setTrace(proc: Process, on: boolean): { tracing: boolean } {
  GenServer.trace(proc.ref, on);
  return { tracing: proc.tracing };
}

/** `GenServer.exit(ref, 'kill')`: untrappable, no terminate, as the observer's "kill" in Erlang. */
export function kill(proc: Process): { killed: true } {
  GenServer.exit(proc.ref, 'kill');
  return { killed: true };
}

/** `GenServer.stop(ref, 'normal', 5000)`: terminate runs; a permanent child is restarted by its supervisor. */
export async function stopServer(proc: Process): Promise<{ stopped: true }> {
  await GenServer.stop(proc.ref, 'normal', 5000);
  return { stopped: true };
}

/** Restarts one child of a Supervisor: terminates it if it runs, then starts it again from its spec. */
export async function restartChild(sup: Process, childId: string): Promise<{ restarted: string; id: number | undefined }> {
  const view = supervisorView(sup);
  if (view === undefined) {
    throw new ActionError(
      400,
      `${sup.ref} is not a Supervisor with children ids (a DynamicSupervisor's children are killed and restarted by it instead).`,
    );
  }
  const child = view.children.find((c) => c.id === childId);
  if (child === undefined) throw new ActionError(404, `${sup.ref} has no child '${childId}'.`);
  if (child.ref !== undefined) await Supervisor.terminateChild(sup.ref, childId);
  const ref = await Supervisor.restartChild(sup.ref, childId);
  return { restarted: childId, id: ref?.id };
}
