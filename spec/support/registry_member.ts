// A server that runs what it is given inside its own handler, so Registry calls (which register the
// calling process) act for it. Shared by the Registry specs.
import { GenServer, handleCall, init, reply, type ServerRef } from '../../lib';

type Outcome = { ok: unknown } | { error: unknown };

/** Runs the function it is called with inside its own handler, so Registry calls act for it. */
export class Member extends GenServer<null> {
  @init
  setup() {
    return null;
  }

  @handleCall('run')
  run(fn: () => unknown, s: null) {
    try {
      return reply<Outcome, null>({ ok: fn() }, s);
    } catch (error) {
      return reply<Outcome, null>({ error }, s);
    }
  }
}

/** Runs `fn` inside `member`; resolves to what it returned, rejects with what it threw. */
export async function inside<T>(member: ServerRef, fn: () => T): Promise<T> {
  const outcome = (await GenServer.call(member, 'run', fn)) as Outcome;
  if ('error' in outcome) throw outcome.error;
  return outcome.ok as T;
}
