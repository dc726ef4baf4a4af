import { BadReturnError, UnknownMessageError } from '../errors';
import { logger } from '../logger';
import { route, routerFor, type Handler, type Router } from '../metadata';
import { Return, WithValue, lent, type ReturnOptions } from '../returns';
import { context, runTracked, tracksAwait, type Invocation } from './context';
import type { MonitorRef } from './links';
import { CALL, CONTINUE, INFO, KIND_NAMES, Message, STOP, SYSTEM, reject, settle, type CallMessage } from './message';
import { Delay } from './delay';
import { formatStatus, statusMessage, statusOf, traceIn, traceReply, traceState } from './format_status';
import { die, shutdown } from './exit';
import { startProcess } from './init';
import type { Name } from './names';
import { Mailbox } from './mailbox';
import { Queue } from './queue';
import { ServerRef } from './ref';
import { schedule, tick, tickMany, ticksLeft, type Runnable } from './scheduler';
import type { TimerRef } from './timers';
import { DEAD, RUNNING, STARTING, STATUS_NAMES, TERMINATING, isThenable, type StatusName } from './status';

/** Messages one process handles in a row before the others on the run queue get a turn. */
const RUN_BUDGET = 1024;

type Writable<T> = { -readonly [K in keyof T]: T[K] };

/** The state of a reusable result once the server has read it (see `apply`). */
const CONSUMED: unique symbol = Symbol('consumed');

/** `x instanceof Return`, false (not a throw) for a value whose prototype cannot be read (a revoked Proxy). */
function isReturn(x: unknown): x is Return {
  if (typeof x !== 'object' || x === null) return false;
  try {
    return x instanceof Return;
  } catch {
    return false;
  }
}

/**
 * One running server: its state, its mailbox (a user lane, bounded by `maxMailbox`, and a control
 * lane that is never refused and is served first), its links, monitors and timers, and the way it
 * exits. Handlers run here one message at a time; `GenServer`'s static API is the client side.
 */
export class Process implements Runnable {
  private static lastId = 0;
  readonly id: number;
  readonly ref: ServerRef;
  state: unknown = undefined;
  status = STARTING;
  name: Name | undefined = undefined;
  scheduled = false;
  /** An async handler (or init, or terminate) is in flight: nothing else runs until it settles. */
  busy = false;
  handled = 0;
  dropped = 0;
  maxMailbox = Infinity;
  tracing = false;
  trapping = false;
  exitReason: unknown = undefined;
  /** The process whose code started this one with startLink. */
  parent: Process | undefined = undefined;
  links: Set<Process> | undefined = undefined;
  /** Monitors others hold on this process. */
  watchers: Set<MonitorRef> | undefined = undefined;
  /** Monitors this process holds on others. */
  watching: Set<MonitorRef> | undefined = undefined;
  timers: Set<TimerRef> | undefined = undefined;
  /** @internal Links and monitors across nodes, kept by the node layer (lib/node); unset until then. */
  remote: object | undefined = undefined;
  /** @internal */
  user: Mailbox | undefined = undefined;
  /** @internal This server's reusable `noreply` and `reply` results (see `lent` in returns.ts). */
  ownNoreply: Return | undefined = undefined;
  /** @internal */
  ownReply: WithValue | undefined = undefined;
  /** @internal */
  control: Queue<Message> | undefined = undefined;
  /** @internal */
  continuation: Message | undefined = undefined;
  /** @internal */
  idleTimer: Delay | undefined = undefined;
  /** Calls taken off the queue whose reply is deferred (`noreply`), to reject if the server dies. */
  /** @internal */
  pending: Set<CallMessage> | undefined = undefined;
  /** @internal */
  exitWaiters: ((reason: unknown) => void)[] | undefined = undefined;
  /** @internal */
  lastMessage: Message | undefined = undefined;
  /** @internal The async handler, init or terminate in flight, where tracked (see context.ts). */
  invocation: Invocation | undefined = undefined;
  /** @internal Neighbours in the table of live processes (table.ts): an intrusive list, no Set. */
  prevLive: Process | undefined = undefined;
  /** @internal */
  nextLive: Process | undefined = undefined;

  constructor(
    readonly server: object,
    readonly router: Router,
    id = ++Process.lastId,
  ) {
    this.id = id;
    this.ref = new ServerRef(this);
  }

  get className(): string {
    return this.router.className;
  }

  get statusName(): StatusName {
    return STATUS_NAMES[this.status];
  }

  get isDead(): boolean {
    return this.status === DEAD;
  }

  get mailboxLength(): number {
    return this.user?.length ?? 0;
  }

  // ---- starting ------------------------------------------------------------------------------

  /** Runs init with `arg` (after `gate`, when given); resolves to the ref, or `undefined` on `ignore()` (see init.ts). */
  start(arg: unknown, name: Name | undefined, parent: Process | undefined, gate?: Promise<void>): Promise<ServerRef | undefined> {
    return startProcess(this, arg, name, parent, gate);
  }

  /** @internal Init has finished: messages that came meanwhile are handled now. */
  running(): void {
    this.status = RUNNING;
    if (this.hasWork() && !this.scheduled) schedule(this);
  }

  /**
   * Init failed or was abandoned: nothing stays registered; early callers are told. The parent learns
   * it from start's rejection, not from an exit signal; servers init linked (startLink from init) get
   * the exit signal, as OTP's linked children do, and die with it unless they trap exits.
   */
  failStart(reason: unknown): void {
    const parent = this.parent;
    if (parent !== undefined) {
      this.links?.delete(parent);
      parent.links?.delete(this);
    }
    this.die(reason);
  }

  // ---- signals -------------------------------------------------------------------------------

  /**
   * An exit signal, from a linked process that exited (`from`) or from `GenServer.exit`. Trapping
   * turns it into an `EXIT` info message, except from the parent, which makes the server terminate
   * (running `terminate`). Otherwise every reason but 'normal' kills at once, without `terminate`.
   */
  exitSignal(from: Process | undefined, reason: unknown, sender?: ServerRef): void {
    if (this.status === DEAD) return;
    if (this.trapping) {
      if (from !== undefined && from === this.parent) this.deliverControl(new Message(STOP, 'EXIT', reason, this.ref));
      else this.deliverControl(new Message(INFO, 'EXIT', { from: from?.ref ?? sender, reason }, this.ref));
      return;
    }
    if (reason !== 'normal') this.die(reason);
  }

  /** `GenServer.exit(ref, 'kill')`: dies at once, untrappable, without terminate. */
  kill(): void {
    this.die('killed');
  }

  // ---- the mailbox ---------------------------------------------------------------------------

  /** True when a user message would exceed `maxMailbox`. */
  get full(): boolean {
    return this.user !== undefined && this.user.length >= this.maxMailbox;
  }

  /** Queues a user message (call, cast, info); any message cancels an idle timeout. */
  deliver(msg: Message): void {
    if (this.idleTimer !== undefined) this.cancelIdle();
    (this.user ??= new Mailbox()).pushMessage(msg);
    if (!this.scheduled && !this.busy && this.status === RUNNING) schedule(this);
  }

  /** Queues a cast or info (`kind`) as a compact entry, without a Message object; as `deliver` otherwise. */
  deliverEntry(kind: number, tag: string, payload: unknown, target: unknown): void {
    if (this.idleTimer !== undefined) this.cancelIdle();
    (this.user ??= new Mailbox()).push(kind, tag, payload, target);
    if (!this.scheduled && !this.busy && this.status === RUNNING) schedule(this);
  }

  /** Queues a control message: served before any user message, never refused. */
  deliverControl(msg: Message): void {
    if (this.status === DEAD) return;
    // Trapped EXIT and DOWN are messages to the server, so they cancel an idle timeout like any other.
    if (msg.kind === INFO && this.idleTimer !== undefined) this.cancelIdle();
    (this.control ??= new Queue<Message>(4)).push(msg);
    if (!this.scheduled && !this.busy && this.status !== STARTING) schedule(this);
  }

  /** A cast or send refused by the mailbox bound: counted and logged, never thrown. */
  drop(kind: 'cast' | 'info', tag: string): void {
    const dropped = ++this.dropped;
    // An overloaded server drops a lot: log the 1st, 2nd, 4th, 8th… drop, not a line per message.
    if ((dropped & (dropped - 1)) !== 0) return;
    logger().warn(
      `${this.ref} (${this.className}) dropped the ${kind} '${tag}': its mailbox is full (maxMailbox ${this.maxMailbox}); ` +
        `${dropped} dropped so far (further drops are logged at powers of two).`,
      { server: this.ref, kind, tag, dropped },
    );
  }

  /** @internal */
  hasWork(): boolean {
    return (
      this.continuation !== undefined ||
      (this.control !== undefined && this.control.length > 0) ||
      (this.user !== undefined && this.user.length > 0)
    );
  }

  /** After an async step: carry on with the mailbox if there is more to do. */
  private reschedule(): void {
    if (!this.busy && !this.scheduled && this.status !== DEAD && this.hasWork()) schedule(this);
  }

  /** Drains the mailbox: one message at a time, until it is empty, a handler goes async, or the slice ends. */
  run(): void {
    try {
      this.drain();
    } catch (error) {
      // Nothing a handler returns or throws should get here; if a hostile value still does, the
      // server ends with it rather than the run loop (and every other server) with an exception.
      this.fault(error);
    }
  }

  /** The last resort: ends the server with `error`, running terminate if it can. */
  private fault(error: unknown): void {
    this.busy = false;
    try {
      if (this.status < TERMINATING) this.shutdown(error, undefined);
    } catch {
      // terminate's own way out failed: die below
    }
    if (this.status !== DEAD) this.die(error);
  }

  /**
   * Drains the mailbox as `run` says. For the whole drain this process stays the running one
   * (`context.current`) and its own `noreply` stays lent (see `lent` in returns.ts): each handler
   * only checks them and resets the taken flag, since a pointer written per message costs a write
   * barrier while the garbage collector marks, a fifth of a whole cast. Before anything that is not
   * one of its handlers runs (terminate and exit callbacks on a crash, a stop, a trace line, a status
   * formatter, the `:sys` functions), `context.current` goes back to `outer`, whatever was running
   * before; and to it, and `lent` to what it was, when the drain ends.
   */
  private drain(): void {
    const outer = context.current;
    const noreply = lent.noreply;
    const reply = lent.reply;
    const noreplyTaken = lent.noreplyTaken;
    const replyTaken = lent.replyTaken;
    try {
      this.drainLoop(outer);
    } finally {
      if (context.current !== outer) context.current = outer;
      if (lent.noreply !== noreply) lent.noreply = noreply;
      if (lent.reply !== reply) lent.reply = reply;
      lent.noreplyTaken = noreplyTaken;
      lent.replyTaken = replyTaken;
    }
  }

  private drainLoop(outer: Process | undefined): void {
    let budget = RUN_BUDGET;
    while (!this.busy && this.status !== DEAD) {
      if (this.continuation !== undefined) {
        const msg = this.continuation;
        this.continuation = undefined;
        this.handle(msg, outer);
      } else if (this.control !== undefined && this.control.length > 0) {
        context.current = outer;
        this.handleControl(this.control.shift()!, outer);
      } else if (this.status === RUNNING && this.user !== undefined && this.user.length > 0) {
        budget = this.drainUser(this.user, budget, outer);
        if (budget < 0) return;
        continue;
      } else {
        return;
      }
      if (tick() || --budget <= 0) {
        this.reschedule();
        return;
      }
    }
  }

  /**
   * The common case: only user messages. A tight loop over the lane until something else needs a
   * look (a continuation, a control message, an async handler, an exit); it counts its messages for
   * the scheduler in batches, as often as `tick` would read the clock. Returns the budget left, or
   * -1 when the slice or the budget is used up (the process is then rescheduled).
   */
  private drainUser(user: Mailbox, budget: number, outer: Process | undefined): number {
    const cursor = user.cursor;
    const own = (this.ownNoreply ??= new Return('noreply', CONSUMED));
    let left = ticksLeft();
    let n = 0;
    do {
      const msg = user.shift()!;
      if (msg !== cursor) {
        this.handle(msg, outer);
        n++;
      } else {
        // A compact entry (a cast or send) and the repeats after it are handled by `runOf` while
        // the handler is synchronous and returns this server's own noreply(state); anything else
        // goes on as `handle` would (in `prime`).
        const handler = this.prime(msg, own, outer);
        n += handler === undefined ? 1 : this.runOf(user, handler, own, outer, left - n);
      }
      if (n >= left) {
        if (tickMany(n) || (budget -= n) <= 0) {
          this.reschedule();
          return -1;
        }
        n = 0;
        left = ticksLeft();
      }
    } while (
      user.length > 0 &&
      !this.busy &&
      this.status === RUNNING &&
      this.continuation === undefined &&
      (this.control === undefined || this.control.length === 0)
    );
    if (n > 0 && (tickMany(n) || (budget -= n) <= 0)) {
      this.reschedule();
      return -1;
    }
    return budget;
  }

  /**
   * The entry `prime` readied `handler` for, then each next one that repeats its kind, tag and
   * target (a SAME one, see Mailbox, taken with its payload alone), while each goes the fast way, up
   * to `max` of them; returns how many were taken. Context, lent and lastMessage (the cursor) stay as
   * `prime` left them. After the fast way only a synchronous call of the handler's can have changed
   * what the run depends on: tracing turned on (Sys.trace), or a control message queued (an exit
   * signal, a DOWN); an async handler, a continuation or a stop do not get there, and a death ends
   * the run. A function of its own, small, so that V8 optimizes it within the first milliseconds of
   * a long mailbox, and again as soon after a deoptimization.
   */
  private runOf(user: Mailbox, handler: Handler, own: Return, outer: Process | undefined, max: number): number {
    const cursor = user.cursor;
    let n = 0;
    do {
      n++;
      lent.noreplyTaken = false;
      let result: unknown;
      let threw = false;
      try {
        result = handler.invoke(this.server, cursor.payload, this.state, cursor);
      } catch (error) {
        threw = true;
        result = error;
      }
      // The handler filled in the server's own result (noreply() took it) and returned it: its
      // state is this message's. It is not marked used here; `handle` marks it before lending it to
      // any other handler, which is where a kept one could come back (after an await). A death (the
      // handler killed its own server) drops the lane: `this.user` is then undefined.
      if (threw || result !== own || !lent.noreplyTaken || this.user === undefined) {
        // `handled` is counted for the run at its end: nothing reads it before (the status views
        // are served between messages, the observer between turns).
        this.handled += n - 1;
        context.current = outer;
        if (threw) this.crash(result, cursor);
        else this.finish(result, lent.noreplyTaken ? undefined : own, cursor, handler);
        return n;
      }
      this.state = own.state;
    } while (n < max && !this.tracing && (this.control === undefined || this.control.length === 0) && user.takeSame());
    this.handled += n;
    return n;
  }

  /**
   * Readies the fast path of `drainUser` for a compact entry: its handler (the route cached), and the
   * process as the running one with its own `noreply` lent. Returns undefined, having handled the
   * entry the general way, when the handler is unknown or async or the server is traced.
   */
  private prime(msg: Message, own: Return, outer: Process | undefined): Handler | undefined {
    const router = this.router;
    const last = router.last;
    const kind = msg.kind;
    const tag = msg.tag;
    let handler: Handler | undefined;
    if (last.kind === kind && last.tag === tag) handler = last.handler;
    else {
      handler = route(router, kind, tag);
      last.kind = kind;
      last.tag = tag;
      last.handler = handler;
    }
    if (handler === undefined || handler.async || this.tracing) {
      this.handle(msg, outer);
      return undefined;
    }
    // Pointers are written only where they change (see drain, and Mailbox.shift).
    if (this.lastMessage !== msg) this.lastMessage = msg;
    if (context.current !== this) context.current = this;
    if (lent.noreply !== own) lent.noreply = own;
    if (lent.reply !== undefined) lent.reply = undefined;
    return handler;
  }

  private handleControl(msg: Message, outer: Process | undefined): void {
    switch (msg.kind) {
      case STOP:
        return this.shutdown(msg.payload, undefined);
      case SYSTEM:
        return this.system(msg);
      default:
        return this.handle(msg, outer);
    }
  }

  /** `:sys`-style requests, served between two messages. */
  private system(msg: Message): void {
    const request = msg as CallMessage;
    if (msg.tag === 'getState') return settle(request, this.state);
    if (msg.tag === 'getStatus') return settle(request, statusOf(this));
    try {
      const next = (msg.payload as (state: unknown) => unknown)(this.state);
      this.state = next;
      settle(request, next);
    } catch (error) {
      reject(request, error);
    }
  }

  /**
   * Any message, the general way. `outer` is what ran before this process's drain (see drain):
   * `context.current` is this process only while the handler runs, and stays so after it only when
   * the handler returned its own reply (answered at once, no other code runs).
   */
  private handle(msg: Message, outer: Process | undefined): void {
    const router = this.router;
    const kind = msg.kind;
    const last = router.last;
    let handler: Handler | undefined;
    if (last.kind === kind && last.tag === msg.tag) handler = last.handler;
    else {
      handler = route(router, kind, msg.tag);
      last.kind = kind;
      last.tag = msg.tag;
      last.handler = handler;
    }
    if (this.tracing || handler === undefined) {
      // A trace line and an unknown message's warning are the logger's code, not this process's.
      context.current = outer;
      if (this.tracing) this.trace(traceIn(this, msg));
      if (handler === undefined) return this.unknown(msg);
    }
    this.lastMessage = msg;
    const own = (this.ownNoreply ??= new Return('noreply', CONSUMED));
    // The fast paths below and in drainUser leave their result unmarked: one kept from there must
    // not pass for fresh after an await (see apply).
    if (own.state !== CONSUMED) (own as Writable<Return>).state = CONSUMED;
    if (lent.noreply !== own) lent.noreply = own;
    lent.noreplyTaken = false;
    let ownReply: WithValue | undefined;
    if (kind === CALL) {
      ownReply = this.ownReply ??= new WithValue('reply', CONSUMED, undefined, undefined);
      if (ownReply.state !== CONSUMED) (ownReply as Writable<WithValue>).state = CONSUMED;
      lent.replyTaken = false;
    }
    if (lent.reply !== ownReply) lent.reply = ownReply;
    if (context.current !== this) context.current = this;
    let result: unknown;
    try {
      result =
        tracksAwait && handler.async
          ? runTracked(this, handler.fn, this.server, msg.payload, this.state, msg)
          : handler.invoke(this.server, msg.payload, this.state, msg);
    } catch (error) {
      context.current = outer;
      this.crash(error, msg);
      return;
    }
    const still = lent.noreplyTaken ? undefined : own;
    if (result !== undefined && result === ownReply) {
      if (!lent.replyTaken) {
        context.current = outer;
        return this.stale(result as Return, msg, handler);
      }
      // The common call: the handler filled in this server's own reply(value, state) and returned it.
      if (this.status !== DEAD && !this.tracing) {
        const value = ownReply.value;
        (ownReply as Writable<WithValue>).value = undefined;
        this.handled++;
        this.state = ownReply.state;
        settle(msg as CallMessage, value);
        return;
      }
    }
    // An async handler's objects are not lent past its synchronous stretch.
    if (lent.noreply !== undefined) lent.noreply = undefined;
    if (lent.reply !== undefined) lent.reply = undefined;
    context.current = outer;
    this.finish(result, still, msg, handler);
  }

  /**
   * A handler's result, once it has run. `still` is the `noreply` lent to it that it did not fill in:
   * returning that one means returning a result kept from an earlier message, whose state may since
   * have been written over.
   */
  private finish(result: unknown, still: Return | undefined, msg: Message, handler: Handler): void {
    if (result !== undefined && result === still) return this.stale(result as Return, msg, handler);
    // The handler may have ended its own server (this.link to a dead ref, GenServer.exit on itself):
    // then die() has already told the caller, and the result is moot.
    if (this.status === DEAD) return;
    if (isReturn(result)) return this.apply(result, msg, handler);
    if (isThenable(result)) return this.await(result, msg, handler);
    this.badReturn(result, msg, handler);
  }

  /**
   * An async handler's result: the server is busy until it settles. Apart from `handle`, so that the
   * closures below (and the context they capture) are created only for async handlers, not on every
   * synchronous message.
   */
  private await(result: PromiseLike<unknown>, msg: Message, handler: Handler): void {
    this.busy = true;
    try {
      result.then(
        (value) => this.resume(value, msg, handler),
        (error: unknown) => this.resumeCrash(error, msg),
      );
    } catch (error) {
      // A thenable whose then throws: a crash like any other.
      this.busy = false;
      this.crash(error, msg);
    }
  }

  private resume(result: unknown, msg: Message, handler: Handler): void {
    this.busy = false;
    this.invocation = undefined;
    if (this.status !== RUNNING) return;
    try {
      if (isReturn(result)) this.apply(result, msg, handler);
      else this.badReturn(result, msg, handler);
    } catch (error) {
      this.fault(error);
    }
    this.reschedule();
  }

  private resumeCrash(error: unknown, msg: Message): void {
    this.busy = false;
    this.invocation = undefined;
    if (this.status !== RUNNING) return;
    try {
      this.crash(error, msg);
    } catch (fault) {
      this.fault(fault);
    }
  }

  private apply(result: Return, msg: Message, handler: Handler): void {
    if (result === this.ownNoreply || result === this.ownReply) {
      // One of this server's reusable results: read once, then marked used, so that one kept and
      // returned again later is caught rather than applied with whatever it holds by then.
      if (result.state === CONSUMED) return this.stale(result, msg, handler);
      const state = result.state;
      const value = result.value;
      (result as Writable<Return>).state = CONSUMED;
      if (result.kind === 'reply') {
        (result as Writable<Return>).value = undefined;
        return this.applyReply(state, value, msg, handler, result);
      }
      this.handled++;
      this.state = state;
      if (this.tracing) this.trace(traceState(this, state));
      if (msg.kind === CALL && (msg as CallMessage).resolve !== undefined) {
        (msg as CallMessage).owner = this;
        (this.pending ??= new Set()).add(msg as CallMessage);
      }
      return;
    }
    this.handled++;
    switch (result.kind) {
      case 'reply':
        if (msg.kind !== CALL) return this.badReturn(result, msg, handler);
        this.state = result.state;
        if (this.tracing) this.trace(traceReply(this, msg.tag, result.value, result.state, false));
        settle(msg as CallMessage, result.value);
        break;
      case 'noreply':
        this.state = result.state;
        if (this.tracing) this.trace(traceState(this, result.state));
        if (msg.kind === CALL && (msg as CallMessage).resolve !== undefined) {
          (msg as CallMessage).owner = this;
          (this.pending ??= new Set()).add(msg as CallMessage);
        }
        break;
      case 'stop':
        this.state = result.state;
        if (this.tracing) this.trace(traceState(this, result.state, { reason: result.reason }));
        // A call stopped without a reply value: its caller is told the server exited (ServerExitError).
        if (msg.kind === CALL && result.hasReply) this.shutdown(result.reason, msg as CallMessage, result.value);
        else this.shutdown(result.reason, undefined, undefined, msg);
        return;
      default:
        return this.badReturn(result, msg, handler);
    }
    if (result.options !== undefined) {
      const error = this.applyOptions(result.options, handler);
      if (error !== undefined) this.crash(error, msg);
    }
  }

  /** A reusable `reply(value, state)` (no options), already read out. */
  private applyReply(state: unknown, value: unknown, msg: Message, handler: Handler, result: Return): void {
    this.handled++;
    if (msg.kind !== CALL) return this.badReturn(result, msg, handler);
    this.state = state;
    if (this.tracing) this.trace(traceReply(this, msg.tag, value, state, false));
    settle(msg as CallMessage, value);
  }

  /** `{ continue }` and `{ timeout }`; returns an error for options that make no sense. */
  /** @internal */
  applyOptions(options: ReturnOptions, handler: Handler): Error | undefined {
    let next: ReturnOptions['continue'];
    let timeout: unknown;
    let tag: unknown;
    let payload: unknown;
    try {
      ({ continue: next, timeout } = options);
      [tag, payload] = typeof next === 'string' ? [next, undefined] : Array.isArray(next) ? next : [undefined, undefined];
    } catch {
      // Options that cannot even be read (a revoked Proxy, a throwing getter).
      return new BadReturnError(this.ref, handler.name, handler.tag, options, 'options an object with `continue` and/or `timeout`');
    }
    if (next !== undefined) {
      if (typeof tag !== 'string') {
        return new BadReturnError(this.ref, handler.name, handler.tag, options, 'options whose `continue` is a tag or [tag, payload]');
      }
      this.continuation = new Message(CONTINUE, tag, payload, this.ref);
    }
    if (timeout !== undefined) {
      if (typeof timeout !== 'number' || !(timeout >= 0)) {
        return new BadReturnError(
          this.ref,
          handler.name,
          handler.tag,
          options,
          'options whose `timeout` is a number >= 0 (ms) or Infinity',
        );
      }
      // As in OTP, a timeout only fires if nothing else is waiting to be handled.
      if (timeout !== Infinity && this.continuation === undefined && this.mailboxLength === 0) {
        this.idleTimer = new Delay(() => {
          this.idleTimer = undefined;
          this.deliver(new Message(INFO, 'timeout', undefined, this.ref));
        }, timeout);
      }
    }
    return undefined;
  }

  private unknown(msg: Message): void {
    this.handled++;
    if (msg.kind === CALL) {
      reject(msg as CallMessage, new UnknownMessageError(msg.target, msg.tag, [...this.router.calls.keys()]));
      return;
    }
    if (msg.kind === CONTINUE) {
      this.crash(new UnknownMessageError(this.ref, msg.tag, [...this.router.continues.keys()], 'continue'), msg);
      return;
    }
    const kind = KIND_NAMES[msg.kind];
    logger().warn(
      `${this.ref} (${this.className}) dropped the ${kind} '${msg.tag}': it has no @handle${kind === 'cast' ? 'Cast' : 'Info'}('${msg.tag}').`,
      // The payload as `@formatStatus` shows it: a log line is a view like any other.
      {
        server: this.ref,
        kind,
        tag: msg.tag,
        payload: (formatStatus(this, { state: this.state, message: statusMessage(msg) }).message as { payload?: unknown } | undefined)
          ?.payload,
      },
    );
  }

  private stale(result: Return, msg: Message, handler: Handler): void {
    const error = new BadReturnError(
      this.ref,
      handler.name,
      msg.tag,
      result,
      `the result of a noreply() or reply() called by this handler (one kept from an earlier message is stale: return noreply(...) or reply(...) from the handler that calls it)`,
    );
    this.crash(error, msg);
  }

  private badReturn(value: unknown, msg: Message, handler: Handler): void {
    const expected =
      msg.kind === CALL ? 'reply(value, state), noreply(state) or stop(reason, state, reply?)' : 'noreply(state) or stop(reason, state)';
    this.crash(new BadReturnError(this.ref, handler.name, msg.tag, value, expected), msg);
  }

  /** Deferred reply from `GenServer.reply(from, value)`. */
  replyTo(msg: CallMessage, value: unknown): void {
    this.pending?.delete(msg);
    if (this.tracing) this.trace(traceReply(this, msg.tag, value, this.state, true));
    settle(msg, value);
  }

  /** A deferred call timed out: nobody waits for it any more. */
  forget(msg: CallMessage): void {
    this.pending?.delete(msg);
  }

  private trace(line: string): void {
    logger().info(`${this.ref} ${line}`, { server: this.ref });
  }

  // ---- exiting -------------------------------------------------------------------------------

  private crash(error: unknown, msg: Message | undefined): void {
    this.shutdown(error, undefined, undefined, msg);
  }

  /** Exits with `reason`, running terminate first (see exit.ts). */
  shutdown(reason: unknown, replyMsg: CallMessage | undefined, replyValue?: unknown, culprit?: Message): void {
    shutdown(this, reason, replyMsg, replyValue, culprit);
  }

  /** Dies at once (see exit.ts). */
  die(reason: unknown): void {
    die(this, reason);
  }

  /** @internal */
  cancelIdle(): void {
    this.idleTimer?.cancel();
    this.idleTimer = undefined;
  }

  /** Calls `fn` with the exit reason when the process dies (at once if it is dead). */
  onExit(fn: (reason: unknown) => void): void {
    if (this.status === DEAD) fn(this.exitReason);
    // An array of exactly one to begin with: `[]` then push would reserve room for sixteen.
    else if (this.exitWaiters === undefined) this.exitWaiters = [fn];
    else this.exitWaiters.push(fn);
  }

  offExit(fn: (reason: unknown) => void): void {
    const i = this.exitWaiters?.indexOf(fn) ?? -1;
    if (i >= 0) this.exitWaiters!.splice(i, 1);
  }
}

/**
 * A process that never runs, kept for the module's life: like `keptLane` (mailbox.ts) it keeps the
 * hidden classes (maps) of Process and ServerRef alive, which V8 holds only weakly. When the last
 * server has exited (a program that runs one at a time), a full collection would drop them, and
 * every function optimized for servers (sending, draining) would be deoptimized and optimized
 * again for the next server's new maps, during its first milliseconds. Id 0: servers count from 1.
 */
export const keptProcess = new Process({}, routerFor(class Kept {}, Object), 0);
