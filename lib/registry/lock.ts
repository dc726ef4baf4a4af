import { NoProcError } from '../errors';
import type { Process } from '../process/process';

/** One caller waiting for a lock key: its function runs once the lock is its. */
interface Waiter {
  readonly proc: Process | undefined;
  readonly run: () => void;
  readonly fail: (error: unknown) => void;
}

/** The holder of a lock key and the queue behind it. */
interface Held {
  readonly queue: Waiter[];
  /** Releases the lock should the holding server exit before its function settles. */
  release: (() => void) | undefined;
  holder: Process | undefined;
}

/**
 * Elixir's `Registry.lock/3`: out-of-band locks, one namespace apart from the keys. Only one
 * function runs under a lock key at a time, in the order they asked; a lock is released when its
 * function settles, or when the server that holds it exits (as in Elixir, where the holder is a
 * process). Waiters whose server has exited are skipped.
 */
export class Locks {
  private readonly held = new Map<unknown, Held>();

  lock<T>(key: unknown, proc: Process | undefined, fn: () => T | PromiseLike<T>): Promise<Awaited<T>> {
    return new Promise<Awaited<T>>((resolve, reject) => {
      const waiter: Waiter = { proc, run: () => this.runHolder(key, waiter, fn, resolve, reject), fail: reject };
      const h = this.held.get(key);
      if (h === undefined) {
        this.held.set(key, { queue: [], release: undefined, holder: proc });
        waiter.run(); // uncontended: at once, still inside the caller's handler
      } else {
        h.queue.push(waiter);
      }
    });
  }

  private runHolder<T>(
    key: unknown,
    waiter: Waiter,
    fn: () => T | PromiseLike<T>,
    resolve: (v: Awaited<T>) => void,
    reject: (e: unknown) => void,
  ): void {
    const h = this.held.get(key)!;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      waiter.proc?.offExit(release);
      this.next(key);
    };
    h.holder = waiter.proc;
    h.release = release;
    waiter.proc?.onExit(release);
    let result: T | PromiseLike<T>;
    try {
      result = fn();
    } catch (error) {
      reject(error);
      // Not at once: a queue of functions that all throw must not nest one release in another.
      queueMicrotask(release);
      return;
    }
    Promise.resolve(result).then(
      (value) => {
        release();
        resolve(value as Awaited<T>);
      },
      (error: unknown) => {
        release();
        reject(error);
      },
    );
  }

  private next(key: unknown): void {
    const h = this.held.get(key);
    if (h === undefined) return;
    let waiter = h.queue.shift();
    while (waiter?.proc?.isDead) waiter = h.queue.shift();
    if (waiter === undefined) {
      this.held.delete(key);
      return;
    }
    waiter.run();
  }

  /** The registry exited: whoever still waits is told so; running functions run on. */
  clear(registry: unknown): void {
    const waiting = [...this.held.values()].flatMap((h) => h.queue);
    for (const h of this.held.values()) if (h.release !== undefined) h.holder?.offExit(h.release);
    this.held.clear();
    for (const w of waiting) w.fail(new NoProcError(registry));
  }
}
