import { inspect } from 'node:util';
import { BadReturnError, ServerExitError, UnknownMessageError, describeReason } from '../errors';
import { logger } from '../logger';
import type { Handler, Router } from '../metadata';
import { Return } from '../returns';
import { context } from './context';
import { removeDeadline } from './deadlines';
import { CALL, CAST, INFO, Message, STOP } from './message';
import { registerName, unregisterName, type Name } from './names';
import { Queue } from './queue';
import { PROC, ServerRef } from './ref';
import { schedule, tick, type Runnable } from './scheduler';

export const STARTING = 0;
export const RUNNING = 1;
export const TERMINATING = 2;
export const DEAD = 3;
const STATUS_NAMES = ['starting', 'running', 'terminating', 'dead'] as const;

/** Messages one process handles in a row before the others on the run queue get a turn. */
const RUN_BUDGET = 1024;

/** True for the exit reasons that are not failures: no crash report, no transient restart. */
export function isCleanReason(reason: unknown): boolean {
  return (
    reason === 'normal' ||
    reason === 'shutdown' ||
    (typeof reason === 'object' && reason !== null && 'shutdown' in reason)
  );
}

function isThenable(x: unknown): x is PromiseLike<unknown> {
  return typeof x === 'object' && x !== null && typeof (x as PromiseLike<unknown>).then === 'function';
}

const KIND_NAMES = ['call', 'cast', 'info'];

/**
 * One running server: its state, its mailbox (a user lane and a control lane), its links, and the
 * way it exits. Handlers run here one message at a time; `GenServer`'s static API is the client side.
 */
export class Process implements Runnable {
  private static lastId = 0;
  readonly id = ++Process.lastId;
  readonly ref: ServerRef;
  state: unknown = undefined;
  status = STARTING;
  name: Name | undefined = undefined;
  scheduled = false;
  /** An async handler (or init, or terminate) is in flight: nothing else runs until it settles. */
  busy = false;
  handled = 0;
  dropped = 0;
  exitReason: unknown = undefined;
  /** The process whose code started this one with startLink. */
  parent: Process | undefined = undefined;
  private user: Queue<Message> | undefined = undefined;
  private control: Queue<Message> | undefined = undefined;
  private links: Set<Process> | undefined = undefined;
  /** Calls taken off the queue whose reply is deferred (`noreply`), to reject if the server dies. */
  private pending: Set<Message> | undefined = undefined;
  private exitWaiters: ((reason: unknown) => void)[] | undefined = undefined;
  private lastMessage: Message | undefined = undefined;

  constructor(
    readonly server: object,
    readonly router: Router,
  ) {
    this.ref = new ServerRef(this);
  }

  get className(): string {
    return this.router.className;
  }

  get statusName(): string {
    return STATUS_NAMES[this.status];
  }

  get mailboxLength(): number {
    return this.user?.length ?? 0;
  }

  // ---- starting ------------------------------------------------------------------------------

  /** Runs init with `arg`; resolves to the ref, or `undefined` on `ignore()`. */
  start(arg: unknown, name: Name | undefined, parent: Process | undefined): Promise<ServerRef | undefined> {
    if (name !== undefined) registerName(name, this);
    if (parent !== undefined && parent.status < TERMINATING) {
      this.parent = parent;
      this.linkTo(parent);
    }
    const init = this.router.init;
    if (init === undefined) {
      this.state = arg;
      this.running();
      return Promise.resolve(this.ref);
    }
    this.busy = true;
    const previous = context.current;
    context.current = this;
    let result: unknown;
    try {
      result = init.fn.call(this.server, arg);
    } catch (error) {
      this.failStart(error);
      return Promise.reject(error);
    } finally {
      context.current = previous;
    }
    if (isThenable(result)) {
      return Promise.resolve(result).then(
        (value) => this.initDone(value, init),
        (error: unknown) => {
          this.failStart(error);
          throw error;
        },
      );
    }
    return this.initDone(result, init);
  }

  private initDone(result: unknown, init: Handler): Promise<ServerRef | undefined> {
    if (this.status !== STARTING) return Promise.reject(new ServerExitError(this.ref, this.exitReason));
    if (result instanceof Return) {
      if (result.kind === 'ignore') {
        this.failStart('normal');
        return Promise.resolve(undefined);
      }
      if (result.kind === 'stop') {
        this.failStart(result.reason);
        return Promise.reject(
          result.reason instanceof Error ? result.reason : new ServerExitError(this.ref, result.reason),
        );
      }
      if (result.kind !== 'noreply') {
        const error = new BadReturnError(this.ref, init.name, undefined, result, 'the state, noreply(state), ignore() or stop(reason, state)');
        this.failStart(error);
        return Promise.reject(error);
      }
      this.state = result.state;
    } else {
      this.state = result;
    }
    this.busy = false;
    this.running();
    return Promise.resolve(this.ref);
  }

  private running(): void {
    this.status = RUNNING;
    if (this.hasWork() && !this.scheduled) schedule(this);
  }

  /** Init failed: nothing stays registered or linked, and anyone who already sent a call is told. */
  private failStart(reason: unknown): void {
    this.busy = false;
    if (this.links) {
      for (const p of this.links) p.links?.delete(this);
      this.links = undefined;
    }
    this.die(reason, false);
  }

  // ---- links ---------------------------------------------------------------------------------

  linkTo(other: Process): void {
    if (other === this) return;
    (this.links ??= new Set()).add(other);
    (other.links ??= new Set()).add(this);
  }

  /** An exit signal from a linked process (or `GenServer.exit`). */
  exitSignal(from: Process | undefined, reason: unknown): void {
    if (this.status === DEAD) return;
    if (reason === 'normal') return;
    // Not trapping exits: the process dies at once with the same reason, without terminate.
    this.die(reason, true);
    void from;
  }

  // ---- the mailbox ---------------------------------------------------------------------------

  /** Queues a user message (call, cast, info). */
  deliver(msg: Message): void {
    (this.user ??= new Queue<Message>()).push(msg);
    if (!this.scheduled && !this.busy && this.status === RUNNING) schedule(this);
  }

  /** Queues a control message: served before any user message, never refused. */
  deliverControl(msg: Message): void {
    (this.control ??= new Queue<Message>(4)).push(msg);
    if (!this.scheduled && !this.busy && this.status !== STARTING) schedule(this);
  }

  private hasWork(): boolean {
    return (this.control !== undefined && this.control.length > 0) || (this.user !== undefined && this.user.length > 0);
  }

  /** Drains the mailbox: one message at a time, until it is empty, a handler goes async, or the slice ends. */
  run(): void {
    let budget = RUN_BUDGET;
    while (!this.busy) {
      let msg: Message | undefined;
      if (this.control !== undefined && this.control.length > 0) {
        if (this.status === DEAD) return;
        this.handleControl(this.control.shift()!);
      } else if (this.status === RUNNING && this.user !== undefined && (msg = this.user.shift()) !== undefined) {
        this.handle(msg);
      } else {
        return;
      }
      if (tick() || --budget === 0) {
        if (this.hasWork() && !this.scheduled && !this.busy && this.status !== DEAD) schedule(this);
        return;
      }
    }
  }

  private handleControl(msg: Message): void {
    if (msg.kind === STOP) this.shutdown(msg.payload, undefined);
  }

  private handle(msg: Message): void {
    const router = this.router;
    const handler =
      msg.kind === CALL ? router.calls.get(msg.tag) : msg.kind === CAST ? router.casts.get(msg.tag) : router.infos.get(msg.tag);
    if (handler === undefined) return this.unknown(msg);
    this.lastMessage = msg;
    const previous = context.current;
    context.current = this;
    let result: unknown;
    try {
      result = handler.fn.call(this.server, msg.payload, this.state, msg);
    } catch (error) {
      context.current = previous;
      this.crash(error, msg);
      return;
    }
    context.current = previous;
    if (result instanceof Return) return this.apply(result, msg, handler);
    if (isThenable(result)) {
      this.busy = true;
      result.then(
        (value) => this.resume(value, msg, handler),
        (error: unknown) => this.resumeCrash(error, msg),
      );
      return;
    }
    this.badReturn(result, msg, handler);
  }

  private resume(result: unknown, msg: Message, handler: Handler): void {
    this.busy = false;
    if (this.status !== RUNNING) return;
    if (result instanceof Return) this.apply(result, msg, handler);
    else this.badReturn(result, msg, handler);
    this.reschedule();
  }

  /** After an async step: carry on with the mailbox if there is more to do. */
  private reschedule(): void {
    if (!this.busy && !this.scheduled && this.status !== DEAD && this.hasWork()) schedule(this);
  }

  private resumeCrash(error: unknown, msg: Message): void {
    this.busy = false;
    if (this.status !== RUNNING) return;
    this.crash(error, msg);
  }

  private apply(result: Return, msg: Message, handler: Handler): void {
    this.handled++;
    switch (result.kind) {
      case 'reply':
        if (msg.kind !== CALL) return this.badReturn(result, msg, handler);
        this.state = result.state;
        settle(msg, result.value);
        return;
      case 'noreply':
        this.state = result.state;
        if (msg.kind === CALL && msg.resolve !== undefined) {
          msg.owner = this;
          (this.pending ??= new Set()).add(msg);
        }
        return;
      case 'stop':
        this.state = result.state;
        this.shutdown(result.reason, msg.kind === CALL && result.hasReply ? msg : undefined, result.value);
        return;
      default:
        this.badReturn(result, msg, handler);
    }
  }

  private unknown(msg: Message): void {
    this.handled++;
    if (msg.kind === CALL) {
      reject(msg, new UnknownMessageError(msg.target, msg.tag, [...this.router.calls.keys()]));
      return;
    }
    const kind = KIND_NAMES[msg.kind];
    logger().warn(
      `${this.ref} (${this.className}) dropped the ${kind} '${msg.tag}': it has no @handle${kind === 'cast' ? 'Cast' : 'Info'}('${msg.tag}').`,
      { server: this.ref, kind, tag: msg.tag, payload: msg.payload },
    );
  }

  private badReturn(value: unknown, msg: Message, handler: Handler): void {
    const expected = msg.kind === CALL ? 'reply(value, state), noreply(state) or stop(reason, state, reply?)' : 'noreply(state) or stop(reason, state)';
    this.crash(new BadReturnError(this.ref, handler.name, msg.tag, value, expected), msg);
  }

  /** Deferred reply from `GenServer.reply(from, value)`. */
  replyTo(msg: Message, value: unknown): void {
    this.pending?.delete(msg);
    settle(msg, value);
  }

  // ---- exiting -------------------------------------------------------------------------------

  private crash(error: unknown, msg: Message | undefined): void {
    this.shutdown(error, undefined, undefined, msg);
  }

  /**
   * Exits with `reason`: runs terminate (awaiting it if async), then dies. `replyMsg` is answered
   * with `replyValue` after terminate (OTP's order); `culprit`'s caller is told the server exited.
   */
  shutdown(reason: unknown, replyMsg: Message | undefined, replyValue?: unknown, culprit?: Message): void {
    if (this.status >= TERMINATING) return;
    this.status = TERMINATING;
    if (culprit !== undefined && culprit.kind === CALL && culprit.resolve !== undefined) {
      (this.pending ??= new Set()).add(culprit);
    }
    if (!isCleanReason(reason)) this.report(reason, culprit ?? this.lastMessage);
    const terminate = this.router.terminate;
    const finish = (): void => {
      if (replyMsg !== undefined) settle(replyMsg, replyValue);
      this.die(reason, false);
    };
    if (terminate === undefined) return finish();
    const previous = context.current;
    context.current = this;
    let result: unknown;
    try {
      result = terminate.fn.call(this.server, reason, this.state);
    } catch (error) {
      this.terminateFailed(error);
    } finally {
      context.current = previous;
    }
    if (isThenable(result)) {
      this.busy = true;
      result.then(finish, (error: unknown) => {
        this.terminateFailed(error);
        finish();
      });
      return;
    }
    finish();
  }

  private terminateFailed(error: unknown): void {
    logger().error(`${this.ref} (${this.className}): @terminate threw ${describeReason(error)}`, { server: this.ref, error });
  }

  private report(reason: unknown, last: Message | undefined): void {
    const stack = reason instanceof Error && reason.stack ? reason.stack : describeReason(reason);
    const lastLine = last
      ? `${KIND_NAMES[last.kind] ?? 'control'} '${last.tag}' with ${inspect(last.payload, { depth: 2, breakLength: Infinity })}`
      : 'none';
    logger().error(
      `GenServer ${this.ref} (${this.className}) terminating\n` +
        `  last message: ${lastLine}\n` +
        `  state: ${inspect(this.state, { depth: 2, breakLength: Infinity })}\n` +
        `  reason: ${stack}`,
      { server: this.ref, reason, lastMessage: last && { tag: last.tag, payload: last.payload }, state: this.state },
    );
  }

  /** The end: frees the name, tells every waiting caller, signals links, wakes exit waiters. */
  die(reason: unknown, viaSignal: boolean): void {
    if (this.status === DEAD) return;
    this.status = DEAD;
    this.exitReason = reason;
    this.busy = false;
    unregisterName(this);
    if (this.pending) {
      for (const msg of this.pending) reject(msg, new ServerExitError(msg.target, reason));
      this.pending = undefined;
    }
    if (this.user) {
      for (const msg of this.user.drain()) if (msg.kind === CALL) reject(msg, new ServerExitError(msg.target, reason));
      this.user = undefined;
    }
    this.control = undefined;
    if (this.links) {
      const links = this.links;
      this.links = undefined;
      for (const p of links) {
        p.links?.delete(this);
        // Signals travel asynchronously, as in OTP, which also keeps long link chains off the stack.
        queueMicrotask(() => p.exitSignal(this, reason));
      }
    }
    if (this.exitWaiters) {
      const waiters = this.exitWaiters;
      this.exitWaiters = undefined;
      for (const w of waiters) w(reason);
    }
    void viaSignal;
  }

  /** Calls `fn` with the exit reason when the process dies (at once if it is dead). */
  onExit(fn: (reason: unknown) => void): void {
    if (this.status === DEAD) fn(this.exitReason);
    else (this.exitWaiters ??= []).push(fn);
  }

  offExit(fn: (reason: unknown) => void): void {
    const i = this.exitWaiters?.indexOf(fn) ?? -1;
    if (i >= 0) this.exitWaiters!.splice(i, 1);
  }
}

/** Answers a call, once: a second answer, or one after the timeout, is dropped. */
export function settle(msg: Message, value: unknown): void {
  const resolve = msg.resolve;
  if (resolve === undefined) return;
  if (msg.list !== undefined) removeDeadline(msg);
  msg.resolve = msg.reject = undefined;
  resolve(value);
}

function reject(msg: Message, error: unknown): void {
  const rejectFn = msg.reject;
  if (rejectFn === undefined) return;
  if (msg.list !== undefined) removeDeadline(msg);
  msg.resolve = msg.reject = undefined;
  rejectFn(error);
}

export function processOf(ref: ServerRef): Process {
  return ref[PROC];
}

