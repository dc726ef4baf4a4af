/**
 * What a handler returns. One runtime class for all of them keeps the dispatcher's checks
 * monomorphic (one `instanceof`, one field read); the exported types tell them apart.
 */
export class Return {
  constructor(
    readonly kind: 'reply' | 'noreply' | 'stop' | 'ignore',
    readonly state: unknown,
    readonly value: unknown,
    readonly reason: unknown,
    readonly hasReply: boolean,
    readonly options: ReturnOptions | undefined,
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

/** Options a handler (or init, through `noreply`) may return with its new state. */
export interface ReturnOptions {
  /** Run `@handleContinue(tag)` before any queued message; `[tag, payload]` passes a payload. */
  continue?: string | readonly [string, unknown];
  /** Deliver `@handleInfo('timeout')` after this many ms without a message. */
  timeout?: number;
}

declare const replyBrand: unique symbol;
declare const stateBrand: unique symbol;

/** `reply(value, state)`: answer the call with `value` and go on with `state`. */
export interface Reply<R = unknown, S = unknown> extends Return {
  readonly kind: 'reply';
  readonly [replyBrand]?: R;
  readonly [stateBrand]?: S;
}
/** `noreply(state)`: go on with `state`; a call is answered later with `GenServer.reply(from, value)`. */
export interface NoReply<S = unknown> extends Return {
  readonly kind: 'noreply';
  readonly [stateBrand]?: S;
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

/** Answers a call with `value` and keeps `state`. Only call handlers may reply. */
export function reply<R extends Value, S extends Value>(value: R, state: S, options?: ReturnOptions): Reply<R, S> {
  return new Return('reply', state, value, undefined, true, options) as Reply<R, S>;
}

/** Keeps `state` without replying (a call is then answered later with `GenServer.reply`). */
export function noreply<S extends Value>(state: S, options?: ReturnOptions): NoReply<S> {
  return new Return('noreply', state, undefined, undefined, false, options) as NoReply<S>;
}

/**
 * Stops the server with `reason` after this message. From a call handler, pass a third argument to
 * answer the caller; without it the caller rejects with `ServerExitError`.
 */
export function stop<S extends Value, R extends Value = never>(reason: unknown, state: S, ...replyValue: [] | [R]): Stop<S, R> {
  return new Return('stop', state, replyValue[0], reason, replyValue.length > 0, undefined) as Stop<S, R>;
}

/** From `@init`: do not start; `start` resolves to `undefined` and nothing is registered. */
export function ignore(): Ignore {
  return IGNORE;
}
const IGNORE = new Return('ignore', undefined, undefined, undefined, false, undefined) as Ignore;
