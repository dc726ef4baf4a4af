import { AlreadyStartedError, BadReturnError, ServerExitError } from '../errors';
import type { Handler } from '../metadata';
import { Return, lent, type ReturnOptions } from '../returns';
import { context, runTracked, tracked } from './context';
import { link } from './links';
import { registerName, whereisProcess, type Name } from './names';
import type { Process } from './process';
import { DEAD, RUNNING, STARTING, TERMINATING, isThenable } from './status';
import { enlist } from './table';
import type { ServerRef } from './ref';

// How a process starts: its name and link first (so a second start under the name fails at once),
// then @init, whose result decides whether it runs.

/**
 * Runs init with `arg`; resolves to the ref, or `undefined` on `ignore()`. With `gate` (a global
 * name's registration, lib/node/nats/), init waits for it: the process exists and queues messages
 * meanwhile, and if the gate rejects it exits 'normal' without running init, as OTP's gen does
 * when `{global, Name}` is taken.
 */
export function startProcess(
  proc: Process,
  arg: unknown,
  name: Name | undefined,
  parent: Process | undefined,
  gate?: Promise<void>,
): Promise<ServerRef | undefined> {
  if (name !== undefined && !registerName(name, proc)) {
    // The caller checked the name was free; a registry (via) may still refuse it.
    proc.status = DEAD;
    return Promise.reject(new AlreadyStartedError(name, whereisProcess(name)?.ref));
  }
  enlist(proc);
  if (parent !== undefined && parent.status < TERMINATING) {
    proc.parent = parent;
    link(proc, parent);
  }
  if (gate === undefined) return runInit(proc, arg);
  proc.busy = true;
  return gate.then(
    () => {
      if (proc.status !== STARTING) return Promise.reject(new ServerExitError(proc.ref, proc.exitReason));
      proc.busy = false;
      return runInit(proc, arg);
    },
    (error: unknown) => {
      if (proc.status === STARTING) proc.failStart('normal');
      throw error;
    },
  );
}

function runInit(proc: Process, arg: unknown): Promise<ServerRef | undefined> {
  const init = proc.router.init;
  if (init === undefined) {
    proc.state = arg;
    proc.running();
    return Promise.resolve(proc.ref);
  }
  proc.busy = true;
  const previous = context.current;
  context.current = proc;
  // Started from a handler (startLink): init's noreply() must not fill in the parent's lent result.
  const { noreply, reply } = lent;
  lent.noreply = lent.reply = undefined;
  let result: unknown;
  try {
    result = tracked(init.fn) ? runTracked(proc, init.fn, proc.server, arg) : init.fn.call(proc.server, arg);
  } catch (error) {
    proc.failStart(error);
    return Promise.reject(error);
  } finally {
    context.current = previous;
    lent.noreply = noreply;
    lent.reply = reply;
  }
  if (isThenable(result)) {
    return Promise.resolve(result).then(
      (value) => initDone(proc, value, init),
      (error: unknown) => {
        proc.failStart(error);
        throw error;
      },
    );
  }
  return initDone(proc, result, init);
}

function initDone(proc: Process, result: unknown, init: Handler): Promise<ServerRef | undefined> {
  proc.invocation = undefined;
  if (proc.status !== STARTING) return Promise.reject(new ServerExitError(proc.ref, proc.exitReason));
  let options: ReturnOptions | undefined;
  if (result instanceof Return) {
    if (result.kind === 'ignore') {
      proc.failStart('normal');
      return Promise.resolve(undefined);
    }
    if (result.kind === 'stop') {
      proc.failStart(result.reason);
      return Promise.reject(result.reason instanceof Error ? result.reason : new ServerExitError(proc.ref, result.reason));
    }
    if (result.kind !== 'noreply') {
      const expected = 'the state, noreply(state, options?), ignore() or stop(reason, state)';
      const error = new BadReturnError(proc.ref, init.name, undefined, result, expected);
      proc.failStart(error);
      return Promise.reject(error);
    }
    proc.state = result.state;
    options = result.options;
  } else {
    proc.state = result;
  }
  proc.busy = false;
  proc.status = RUNNING;
  if (options !== undefined) {
    const error = proc.applyOptions(options, init);
    if (error !== undefined) {
      proc.failStart(error);
      return Promise.reject(error);
    }
  }
  proc.running();
  return Promise.resolve(proc.ref);
}
