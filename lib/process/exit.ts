import { ServerExitError, UNINSPECTABLE, describeReason, isError, safeInspect } from '../errors';
import { formatStatus, messageText, statusMessage } from './format_status';
import { logger } from '../logger';
import { lent } from '../returns';
import { context, runTracked, tracked } from './context';
import { notifyExit } from './links';
import { CALL, SYSTEM, reject, settle, type CallMessage, type Message } from './message';
import { unregisterName } from './names';
import { remote } from './remote';
import type { Process } from './process';
import { DEAD, TERMINATING, isThenable } from './status';
import { delist } from './table';
import { cancelAllTimers } from './timers';

// How a process exits: terminate, the crash report, then death and everything it tells others.

/** True for the exit reasons that are not failures: no crash report, no transient restart. */
export function isCleanReason(reason: unknown): boolean {
  if (reason === 'normal' || reason === 'shutdown') return true;
  if (typeof reason !== 'object' || reason === null) return false;
  try {
    return 'shutdown' in reason;
  } catch {
    return false; // a revoked Proxy: not clean
  }
}

const show = (x: unknown): string => safeInspect(x);

/**
 * Exits with `reason`: runs terminate (awaiting it if async), then dies. `replyMsg` is answered
 * with `replyValue` after terminate (OTP's order); `culprit`'s caller is told the server exited.
 */
export function shutdown(proc: Process, reason: unknown, replyMsg: CallMessage | undefined, replyValue?: unknown, culprit?: Message): void {
  if (proc.status >= TERMINATING) return;
  proc.status = TERMINATING;
  proc.continuation = undefined;
  if (proc.idleTimer !== undefined) proc.cancelIdle();
  if (culprit !== undefined && culprit.kind === CALL && (culprit as CallMessage).resolve !== undefined) {
    (proc.pending ??= new Set()).add(culprit as CallMessage);
  }
  if (!isCleanReason(reason)) crashReport(proc, reason, culprit ?? proc.lastMessage);
  const terminate = proc.router.terminate;
  if (terminate === undefined) {
    // Nothing to run first (and no closures to make): answer, then die.
    if (replyMsg !== undefined) settle(replyMsg, replyValue);
    return die(proc, reason);
  }
  // As in OTP, a terminate that crashes makes its crash the exit reason.
  let exitReason = reason;
  const finish = (): void => {
    if (replyMsg !== undefined) settle(replyMsg, replyValue);
    die(proc, exitReason);
  };
  const failed = (error: unknown): void => {
    exitReason = error;
    crashReport(proc, error, culprit ?? proc.lastMessage, '@terminate');
  };
  const previous = context.current;
  context.current = proc;
  // terminate may run inside another server's handler (a link's exit): keep it off that one's lent result.
  const { noreply, reply } = lent;
  lent.noreply = lent.reply = undefined;
  let result: unknown;
  try {
    result = tracked(terminate.fn)
      ? runTracked(proc, terminate.fn, proc.server, reason, proc.state)
      : terminate.fn.call(proc.server, reason, proc.state);
  } catch (error) {
    failed(error);
  } finally {
    context.current = previous;
    lent.noreply = noreply;
    lent.reply = reply;
  }
  if (isThenable(result)) {
    proc.busy = true;
    try {
      result.then(finish, (error: unknown) => {
        failed(error);
        finish();
      });
      return;
    } catch (error) {
      failed(error);
    }
  }
  finish();
}

/**
 * A crash report, as OTP's: the server, its last message, its state, and the reason with its stack,
 * each as the server's `@formatStatus` shows them (format_status.ts), in the text and in the metadata.
 */
function crashReport(proc: Process, reason: unknown, last: Message | undefined, where?: string): void {
  const s = formatStatus(proc, { state: proc.state, reason, ...(last && { message: statusMessage(last) }) });
  const shown = s.reason;
  let stack: string | undefined;
  try {
    if (isError(shown) && typeof shown.stack === 'string') stack = shown.stack;
  } catch {
    // a stack getter that throws
  }
  stack ??= describeReason(shown);
  const lastLine = s.message !== undefined ? messageText(s.message) : 'none';
  let lastMessage: { tag: unknown; payload: unknown } | undefined;
  try {
    lastMessage = s.message && { tag: s.message.tag, payload: s.message.payload };
  } catch {
    lastMessage = { tag: undefined, payload: UNINSPECTABLE };
  }
  logger().error(
    `GenServer ${proc.ref} (${proc.className}) terminating${where ? ` (${where} threw)` : ''}\n` +
      `  last message: ${lastLine}\n` +
      `  state: ${show(s.state)}\n` +
      `  reason: ${stack}`,
    { server: proc.ref, reason: shown, lastMessage, state: s.state },
  );
}

/** The end: frees the name, tells every waiting caller, signals links and monitors, wakes exit waiters. */
export function die(proc: Process, reason: unknown): void {
  if (proc.status === DEAD) return;
  proc.status = DEAD;
  proc.exitReason = reason;
  delist(proc);
  proc.busy = false;
  proc.invocation = undefined;
  proc.continuation = undefined;
  if (proc.idleTimer !== undefined) proc.cancelIdle();
  cancelAllTimers(proc);
  unregisterName(proc);
  if (proc.pending) {
    for (const msg of proc.pending) reject(msg, new ServerExitError(msg.target, reason));
    proc.pending = undefined;
  }
  // The call being handled (killed mid-handler, maybe while it awaits) is neither queued nor pending.
  const handling = proc.lastMessage;
  if (handling !== undefined && handling.kind === CALL) reject(handling as CallMessage, new ServerExitError(handling.target, reason));
  if (proc.user) {
    for (const msg of proc.user.takeMessages()) if (msg.kind === CALL) reject(msg as CallMessage, new ServerExitError(msg.target, reason));
    proc.user = undefined;
  }
  if (proc.control) {
    const control = proc.control;
    proc.control = undefined;
    for (let msg = control.shift(); msg !== undefined; msg = control.shift()) {
      if (msg.kind === SYSTEM) reject(msg as CallMessage, new ServerExitError(msg.target, reason));
    }
  }
  notifyExit(proc, reason);
  if (proc.remote !== undefined) remote.hooks?.exited(proc, reason);
  if (proc.exitWaiters) {
    const waiters = proc.exitWaiters;
    proc.exitWaiters = undefined;
    for (const w of waiters) w(reason);
  }
}
