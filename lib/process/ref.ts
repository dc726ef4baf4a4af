import type { Process } from './process';

/** Where a ref keeps its process; a symbol, so the ref stays opaque to users. */
export const PROC: unique symbol = Symbol('genserver.process');

/**
 * The handle of one running server. Opaque; compared by identity: `start` resolves to it and
 * `whereis` returns the very same object. `S` is the server's class, for typed calls.
 */
export class ServerRef<S = unknown> {
  /** @internal */
  readonly [PROC]: Process;
  /** Phantom: carries the server's type; never set. */
  declare readonly __server?: S;

  /** @internal */
  constructor(proc: Process) {
    this[PROC] = proc;
  }

  /** A number unique to this server within this Node process. */
  get id(): number {
    return this[PROC].id;
  }

  toString(): string {
    return `#ServerRef<${this[PROC].className}.${this[PROC].id}>`;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}
