import { nativeClearTimeout, nativeSetTimeout } from '../process/clock';

/**
 * What the current test owns: its supervisor (started on the first `startSupervised`) and its
 * `onExit` callbacks. `cleanup()` ends them after the test; the runner calls it (see `autoCleanup`).
 * One test at a time, as every runner does by default: tests that run concurrently share one scope.
 */
export interface TestScope {
  /** Set by supervised.ts: stops the test supervisor and its children (reverse start order). */
  shutdown: (() => Promise<void>) | undefined;
  readonly exits: (() => unknown)[];
}

let scope: TestScope = { shutdown: undefined, exits: [] };

/** @internal The scope of the test that is running now. */
export function currentScope(): TestScope {
  return scope;
}

/**
 * Runs `fn` after the current test, once its supervised servers have stopped (ExUnit's `on_exit`).
 * Callbacks run in reverse order of registration, each awaited; one that throws fails `cleanup()`
 * after the others have run.
 *
 * ```ts
 * const ref = await Counter.start(0, { name: 'counter' });
 * onExit(() => GenServer.stop(ref));
 * ```
 */
export function onExit(fn: () => unknown): void {
  if (typeof fn !== 'function') throw new TypeError(`Expected \`fn\` to be a function, got \`${String(fn)}\` (${typeof fn})`);
  scope.exits.push(fn);
}

/**
 * Ends what the current test started: stops its supervised servers in reverse start order (each
 * with its child spec's `shutdown`, then killed, so a stuck server never outlives the test and its
 * name is free for the next one), then runs its `onExit` callbacks in reverse order.
 * Registered automatically after each test where the runner has a global `afterEach` (mocha,
 * jest, vitest with `globals: true`); elsewhere add the one line `afterEach(cleanup)`.
 * Safe to call twice: the second call finds nothing to do.
 */
export async function cleanup(): Promise<void> {
  const ending = scope;
  scope = { shutdown: undefined, exits: [] };
  const errors: unknown[] = [];
  if (ending.shutdown !== undefined) {
    try {
      await ending.shutdown();
    } catch (error) {
      errors.push(error);
    }
  }
  for (const fn of ending.exits.reverse()) {
    try {
      await fn();
    } catch (error) {
      errors.push(error);
    }
  }
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new AggregateError(errors, `${errors.length} onExit callbacks failed after the test`);
}

/** @internal Resolves to true when `promise` settles within `ms` of real time, false otherwise (fake timers or not). */
export function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  if (ms === Infinity)
    return promise.then(
      () => true,
      () => true,
    );
  return new Promise((resolve) => {
    const timer = nativeSetTimeout(() => resolve(false), ms);
    const done = (): void => {
      nativeClearTimeout(timer);
      resolve(true);
    };
    promise.then(done, done);
  });
}

/**
 * Mocha root hooks, for `require: ['genserver-ts/testing']` in `.mocharc` (where the kit loads
 * before mocha defines `afterEach`): `cleanup` after every test.
 */
export const mochaHooks = { afterEach: cleanup };

type HookRunner = { afterEach?: (fn: () => Promise<void>) => unknown };

/**
 * Registers `cleanup` after each test when the runner has a global `afterEach` at the moment the kit
 * is first imported (mocha, jest, vitest with `globals: true`), as Testing Library does.
 */
function autoCleanup(): void {
  const runner = globalThis as HookRunner;
  if (typeof runner.afterEach !== 'function') return;
  try {
    runner.afterEach(cleanup);
  } catch {
    // A runner that refuses hooks here (imported from inside a test): the user adds afterEach(cleanup).
  }
}

autoCleanup();
