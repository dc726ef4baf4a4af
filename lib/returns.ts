/**
 * What a handler returns. `noreply(state)`, by far the most common, is a two-field object: one is
 * allocated per message, and in a server draining a long mailbox that allocation is most of the
 * garbage collector's work. Replies, options and stops use small subclasses; the dispatcher reads
 * the fields it needs, which are undefined on the shapes that lack them.
 */
export class Return {
  declare readonly value: unknown;
  declare readonly reason: unknown;
  declare readonly hasReply: boolean | undefined;
  declare readonly options: ReturnOptions | undefined;

  constructor(
    readonly kind: 'reply' | 'noreply' | 'stop' | 'ignore',
    readonly state: unknown,
  ) {}

  /** Prints as the call that made it, e.g. `reply(1, 1)`, in error messages and logs. */
  [Symbol.for('nodejs.util.inspect.custom')](_depth: number, options: object, inspect: (x: unknown, o: object) => string): string {
    const show = (x: unknown): string => inspect(x, options);
    const opts = this.options === undefined ? '' : `, ${show(this.options)}`;
    switch (this.kind) {
      case 'reply':
        return `reply(${show(this.value)}, ${show(this.state)}${opts})`;
      case 'noreply':
        return `noreply(${show(this.state)}${opts})`;
      case 'stop':
        return `stop(${show(this.reason)}, ${show(this.state)}${this.hasReply ? `, ${show(this.value)}` : ''})`;
      default:
        return 'ignore()';
    }
  }
}

/** `reply(value, state, options?)` and `noreply(state, options)`. */
export class WithValue extends Return {
  constructor(
    kind: 'reply' | 'noreply',
    state: unknown,
    override readonly value: unknown,
    override readonly options: ReturnOptions | undefined,
  ) {
    super(kind, state);
  }
}

/** `stop(reason, state, reply?)`. */
class Stopping extends Return {
  constructor(
    state: unknown,
    override readonly reason: unknown,
    override readonly value: unknown,
    override readonly hasReply: boolean,
  ) {
    super('stop', state);
  }
}

/** A `continue` return option: `tag`, or `[tag, payload]`. */
export type ContinueValue = string | readonly [string, unknown];

/**
 * Options a handler (or init, through `noreply`) may return with its new state. `C` is the type
 * of the `continue` option; `reply` and `noreply` infer it, and a server that declares its
 * `continues` checks it against them.
 */
export interface ReturnOptions<C extends ContinueValue = ContinueValue> {
  /** Run `@handleContinue(tag)` before any queued message; `[tag, payload]` passes a payload. */
  continue?: C;
  /** Deliver `@handleInfo('timeout')` after this many ms without a message. */
  timeout?: number;
}

declare const replyBrand: unique symbol;
declare const stateBrand: unique symbol;
declare const continueBrand: unique symbol;

/**
 * `reply(value, state)`: answer the call with `value` and go on with `state`. `C`: the `continue`
 * option it carries (`never`: none; the default: any, unchecked).
 */
export interface Reply<R = unknown, S = unknown, C = ContinueValue> extends Return {
  readonly kind: 'reply';
  readonly [replyBrand]?: R;
  readonly [stateBrand]?: S;
  readonly [continueBrand]?: C;
}
/** `noreply(state)`: go on with `state`; a call is answered later with `GenServer.reply(from, value)`. */
export interface NoReply<S = unknown, C = ContinueValue> extends Return {
  readonly kind: 'noreply';
  readonly [stateBrand]?: S;
  readonly [continueBrand]?: C;
}
/** `stop(reason, state, reply?)`: terminate with `reason`; answer the call first if `reply` is given. */
export interface Stop<S = unknown, R = unknown> extends Return {
  readonly kind: 'stop';
  readonly [replyBrand]?: R;
  readonly [stateBrand]?: S;
}
/** `ignore()` from init: the server does not start; `start` resolves to `undefined`. */
export interface Ignore extends Return {
  readonly kind: 'ignore';
}

/**
 * Any value. As a type parameter's constraint it keeps literal types (`'busy'`, `0`) instead of
 * widening them, so `noreply('busy')` fits a state typed `'idle' | 'busy'`.
 */
type Value = {} | null | undefined;

type Writable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * @internal The running server's own reusable `noreply` and `reply` objects, lent while its handlers'
 * synchronous stretches run (Process sets and clears them): the first `noreply(state)` and the first
 * `reply(value, state)` without options in a stretch fill one in instead of allocating (and mark it
 * taken), since the server reads the result before it handles anything else (an async handler keeps
 * its server busy until it settles, so its object is not lent again meanwhile). Any further call in
 * the same stretch, and every call elsewhere (after an await, outside servers), allocates.
 *
 * "Taken" is a flag rather than clearing the pointer: a server draining a run of messages lends its
 * objects once for the run and only resets the flags per message, since a pointer written per
 * message costs a write barrier while the garbage collector marks.
 */
export const lent: { noreply: Return | undefined; reply: WithValue | undefined; noreplyTaken: boolean; replyTaken: boolean } = {
  noreply: undefined,
  reply: undefined,
  noreplyTaken: false,
  replyTaken: false,
};

/** Answers a call with `value` and keeps `state`. Only call handlers may reply. */
export function reply<R extends Value, S extends Value, const C extends ContinueValue = never>(
  value: R,
  state: S,
  options?: ReturnOptions<C>,
): Reply<R, S, C> {
  const own = lent.reply;
  if (own === undefined || lent.replyTaken || options !== undefined) return new WithValue('reply', state, value, options) as Reply<R, S, C>;
  lent.replyTaken = true;
  (own as Writable<WithValue>).state = state;
  (own as Writable<WithValue>).value = value;
  return own as Reply<R, S, C>;
}

/** Keeps `state` without replying (a call is then answered later with `GenServer.reply`). */
export function noreply<S extends Value, const C extends ContinueValue = never>(state: S, options?: ReturnOptions<C>): NoReply<S, C> {
  if (options !== undefined) return new WithValue('noreply', state, undefined, options) as NoReply<S, C>;
  const own = lent.noreply;
  if (own === undefined || lent.noreplyTaken) return new Return('noreply', state) as NoReply<S, C>;
  lent.noreplyTaken = true;
  (own as Writable<Return>).state = state;
  return own as NoReply<S, C>;
}

/**
 * Stops the server with `reason` after this message. From a call handler, pass a third argument to
 * answer the caller; without it the caller rejects with `ServerExitError`.
 */
export function stop<S extends Value, R extends Value = never>(reason: unknown, state: S, ...replyValue: [] | [R]): Stop<S, R> {
  return new Stopping(state, reason, replyValue[0], replyValue.length > 0) as Stop<S, R>;
}

/** From `@init`: do not start; `start` resolves to `undefined` and nothing is registered. */
export function ignore(): Ignore {
  return IGNORE;
}
const IGNORE = new Return('ignore', undefined) as Ignore;
