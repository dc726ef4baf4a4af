import type { Process } from './process';
import { remote } from './remote';

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

  /** A number unique to this server within its node. */
  get id(): number {
    return this[PROC].id;
  }

  /** The node the server runs on: `Node.self()` for a server of this node. */
  get node(): string {
    return remote.hooks?.selfNode() ?? 'main';
  }

  toString(): string {
    return `#ServerRef<${this[PROC].className}.${this[PROC].id}>`;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}
