import { availableParallelism } from 'node:os';
import { handleContinue, init } from '../decorators';
import { ArgumentError, TaskExitError, TaskTimeoutError } from '../errors';
import { GenServer } from './gen_server';
import { DEFAULT_CALL_TIMEOUT, isTimeout } from './client';
import { defaultChildSpec, type FullChildSpec } from './child_spec';
import { routerFor } from '../metadata';
import { context } from '../process/context';
import { link, unlink } from '../process/links';
import { Process } from '../process/process';
import { PROC, type ServerRef } from '../process/ref';
import { DEAD, isThenable } from '../process/status';
import { noreply, stop } from '../returns';

// Elixir's Task: one function run by its own process. The process is a server like any other
// (links, monitors, info, supervision); its result travels back through the Task handle.

/** What `Task.yield` and `Task.shutdown` resolve to (Elixir's `{:ok, value}` / `{:exit, reason}`). */
export type TaskResult<R> = { readonly ok: R } | { readonly exit: unknown };

/** The function a task runs; `signal` aborts when the task exits before the function has finished. */
export type TaskFn<R> = (signal: AbortSignal) => R | PromiseLike<R>;

interface Job {
  fn: TaskFn<unknown>;
  task: Task<unknown>;
  controller: AbortController;
}

/** The process behind every task: runs its function once, right after init, then stops. */
export class TaskServer extends GenServer<unknown> {
  @init
  setup(job: unknown) {
    return noreply(job, { continue: 'run' });
  }

  @handleContinue('run')
  run(_: unknown, state: unknown) {
    const job = state as Job;
    const value = job.fn(job.controller.signal);
    const done = (v: unknown) => {
      job.task.settle({ ok: v });
      return stop('normal', state);
    };
    return isThenable(value) ? Promise.resolve(value).then(done) : done(value);
  }
}

/**
 * Elixir's `Task`: run a function in its own process and collect its result. A `Task<R>` is the
 * handle `Task.async` returns, for `Task.await`, `yield` and `shutdown`; `ref` is the task's
 * process, `owner` the server that started it, if any.
 *
 * ```ts
 * const task = Task.async(() => fetchReport(id));
 * doOtherWork();
 * const report = await Task.await(task); // default timeout 5000 ms
 * ```
 *
 * Called from a server's handler (before its first `await`), `Task.async` links the task to that
 * server as in Elixir: a task that crashes takes the server down, and the server's exit ends the
 * task. Elsewhere there is no caller process to link: the crash only rejects `Task.await`.
 * A function cannot be preempted in JS: a task that is shut down is marked dead at once and its
 * `signal` aborts; a function that ignores the signal runs on, and its result is dropped.
 */
export class Task<R = unknown> {
  /** Phantom: the result type. */
  declare readonly __result?: R;
  /** @internal */
  outcome: TaskResult<R> | undefined = undefined;
  // Typed loosely so that Task<R> stays covariant in R (a Task<string> is a Task<unknown>).
  private waiters: ((outcome: TaskResult<unknown>) => void)[] | undefined = undefined;

  /** @internal */
  constructor(
    /** The task's process: a ServerRef, for `GenServer.info`, monitors and links. */
    readonly ref: ServerRef,
    /** The server that started it with `Task.async`, linked to it; undefined outside a server or for `asyncNolink`. */
    readonly owner: ServerRef | undefined,
  ) {}

  /** @internal The first outcome wins: a result, or the exit that came before one. */
  settle(outcome: TaskResult<R>): void {
    if (this.outcome !== undefined) return;
    this.outcome = outcome;
    const waiters = this.waiters;
    this.waiters = undefined;
    if (waiters !== undefined) for (const w of waiters) w(outcome);
  }

  /** @internal Resolves to the outcome, or undefined after `timeout` ms. */
  wait(timeout: number): Promise<TaskResult<R> | undefined> {
    if (this.outcome !== undefined) return Promise.resolve(this.outcome);
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const waiter = (outcome: TaskResult<unknown>): void => {
        if (timer !== undefined) clearTimeout(timer);
        resolve(outcome as TaskResult<R>);
      };
      (this.waiters ??= []).push(waiter);
      if (timeout !== Infinity) {
        timer = setTimeout(() => {
          const i = this.waiters?.indexOf(waiter) ?? -1;
          if (i >= 0) this.waiters!.splice(i, 1);
          resolve(undefined);
        }, timeout);
      }
    });
  }

  toString(): string {
    return `#Task<${this.ref.id}>`;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }

  /**
   * Starts `fn` in a new task process and returns its handle at once. Linked to the server whose
   * handler or init is running, if any (call it before the handler's first `await`).
   * `fn` receives an `AbortSignal` that aborts if the task exits before it finishes.
   */
  static async<R>(fn: TaskFn<R>): Task<Awaited<R>> {
    checkFn(fn);
    const owner = context.current;
    return spawnTask(fn, owner, owner) as Task<Awaited<R>>;
  }

  /**
   * Resolves to the task's result. Rejects with `TaskExitError` if the task exited first (it threw,
   * was killed or shut down), or `TaskTimeoutError` after `timeout` ms (default 5000; Infinity waits
   * forever) — then the task is shut down, as the caller's exit would end it in Elixir.
   */
  static async await<R>(task: Task<R>, timeout: number = DEFAULT_CALL_TIMEOUT): Promise<R> {
    checkTask(task);
    checkTimeout(timeout);
    const outcome = await task.wait(timeout);
    if (outcome === undefined) {
      abandon(task as Task<unknown>, 'kill');
      throw new TaskTimeoutError(task.ref, timeout);
    }
    return resultOf(task, outcome);
  }

  /**
   * Waits up to `timeout` ms (default 5000) and resolves to `{ ok: result }`, `{ exit: reason }` if
   * the task exited first, or `undefined` if it is still running (it goes on; yield again later).
   */
  static async yield<R>(task: Task<R>, timeout: number = DEFAULT_CALL_TIMEOUT): Promise<TaskResult<R> | undefined> {
    checkTask(task);
    checkTimeout(timeout);
    return task.wait(timeout);
  }

  /**
   * Awaits every task, resolving to their results in order. Rejects with the first
   * `TaskExitError`, or with `TaskTimeoutError` once `timeout` ms (default 5000) have passed for
   * them all; either way the tasks still running are shut down.
   */
  static async awaitMany<const T extends readonly Task<unknown>[]>(tasks: T, timeout: number = DEFAULT_CALL_TIMEOUT): Promise<Results<T>> {
    if (!Array.isArray(tasks)) throw new ArgumentError('tasks', tasks, 'an array of Tasks');
    for (const [i, t] of tasks.entries()) checkTask(t, `tasks[${i}]`);
    checkTimeout(timeout);
    const deadline = timeout === Infinity ? Infinity : Date.now() + timeout;
    const results: unknown[] = [];
    try {
      for (const task of tasks) {
        const left = deadline === Infinity ? Infinity : Math.max(0, deadline - Date.now());
        const outcome = await task.wait(left);
        if (outcome === undefined) throw new TaskTimeoutError(task.ref, timeout);
        results.push(resultOf(task, outcome));
      }
    } catch (error) {
      for (const task of tasks) if (task.outcome === undefined) abandon(task, 'kill');
      throw error;
    }
    return results as Results<T>;
  }

  /**
   * Stops a task: unlinks it from its owner, then ends it with reason 'shutdown' (or kills it,
   * with `'brutal_kill'`). Resolves to `{ ok }` if the result had already arrived, `{ exit }` if it
   * had exited with another reason before, `undefined` otherwise.
   */
  static async shutdown<R>(task: Task<R>, shutdown: number | 'brutal_kill' = DEFAULT_CALL_TIMEOUT): Promise<TaskResult<R> | undefined> {
    checkTask(task);
    if (shutdown !== 'brutal_kill') checkTimeout(shutdown);
    // An outcome before the shutdown is reported; the shutdown's own exit is not.
    const before = task.outcome;
    if (before === undefined) abandon(task as Task<unknown>, shutdown === 'brutal_kill' ? 'kill' : 'shutdown');
    return before;
  }

  /**
   * Fire and forget: runs `fn` in a task linked to nothing and resolves to its ref once started.
   * A crash is logged as a crash report and reaches no one.
   */
  static start(fn: TaskFn<unknown>): Promise<ServerRef> {
    try {
      checkFn(fn);
    } catch (error) {
      return Promise.reject(error);
    }
    return Promise.resolve(spawnTask(fn, undefined, undefined).ref);
  }

  /**
   * Like `async` over every item: runs `fn(item)` in tasks, at most `maxConcurrency` at once, and
   * yields `{ ok: result }` for each as an async iterable (`for await`). Defaults: `maxConcurrency`
   * `os.availableParallelism()`, `ordered` true, `timeout` 5000 ms per task, `onTimeout` 'exit'.
   * A task that throws makes the iteration throw `TaskExitError`; breaking off shuts the rest down.
   *
   * ```ts
   * for await (const { ok: size } of Task.asyncStream(urls, (url) => sizeOf(url), { maxConcurrency: 8 })) ...
   * ```
   */
  static asyncStream<T, R>(
    items: Iterable<T> | AsyncIterable<T>,
    fn: (item: T, signal: AbortSignal) => R | PromiseLike<R>,
    options?: AsyncStreamOptions,
  ): AsyncIterable<TaskResult<Awaited<R>>> {
    // The owner is the server running now: iteration happens after awaits, when it is unknown.
    const owner = context.current;
    return asyncStreamOf(items, fn, options, (f) => spawnTask(f, owner, owner), false);
  }

  /**
   * The child spec of a task, for a supervisor: `[Task, fn]` in a children list. Default id 'Task',
   * restart 'temporary' (Elixir's default for tasks), shutdown 5000, worker.
   */
  static childSpec(fn: TaskFn<unknown>): FullChildSpec {
    checkFn(fn);
    const spec = defaultChildSpec(
      { name: 'Task', startLink: () => Promise.resolve(spawnTask(fn, context.current, undefined).ref) },
      undefined,
    );
    return { ...spec, restart: 'temporary' };
  }
}

/**
 * Spawns a task process running `fn`. `parent` is linked as its parent (the owner, or a
 * supervisor); `caller`, if given, is linked too (a supervised `async`).
 * @internal
 */
export function spawnTask<R>(fn: TaskFn<R>, parent: Process | undefined, owner: Process | undefined): Task<R> {
  const router = routerFor(TaskServer, GenServer);
  const server = new TaskServer();
  const proc = new Process(server, router);
  (server as { self: ServerRef }).self = proc.ref;
  const task = new Task<R>(proc.ref, owner?.ref);
  const controller = new AbortController();
  proc.onExit((reason) => {
    if (task.outcome === undefined) {
      task.settle({ exit: reason });
      controller.abort(reason);
    }
  });
  const job: Job = { fn: fn as TaskFn<unknown>, task: task as Task<unknown>, controller };
  // Init cannot fail (it only schedules the run); a failure would still show as the task's exit.
  proc.start(job, undefined, parent).catch(() => undefined);
  if (owner !== undefined && owner !== parent && !owner.isDead && !proc.isDead) link(owner, proc);
  return task;
}

function checkFn(fn: unknown): void {
  if (typeof fn !== 'function') throw new ArgumentError('fn', fn, 'a function to run in the task');
}

function checkTimeout(timeout: unknown): void {
  if (!isTimeout(timeout)) throw new ArgumentError('timeout', timeout, 'a finite number >= 0 or Infinity (milliseconds)');
}

function checkTask(task: unknown, argument = 'task'): void {
  if (!(task instanceof Task)) throw new ArgumentError(argument, task, 'a Task returned by Task.async() or TaskSupervisor.async()');
}

/** Ends a task that is given up on: unlinked from its owner first, so the owner is not taken down. */
function abandon(task: Task<unknown>, reason: unknown): void {
  const proc = task.ref[PROC];
  if (task.owner !== undefined) unlink(task.owner[PROC], proc);
  if (proc.status === DEAD) return;
  if (reason === 'kill') proc.kill();
  else proc.exitSignal(undefined, reason);
}

function resultOf<R>(task: Task<R>, outcome: TaskResult<R>): R {
  if ('ok' in outcome) return outcome.ok;
  throw new TaskExitError(task.ref, outcome.exit);
}

type Results<T extends readonly Task<unknown>[]> = { -readonly [K in keyof T]: T[K] extends Task<infer R> ? R : never };

/** Options of `Task.asyncStream`. */
export interface AsyncStreamOptions {
  /** How many tasks run at once. Default: `os.availableParallelism()` (Elixir: the schedulers online). */
  maxConcurrency?: number;
  /** Emit results in the order of the inputs (true, the default) or as they finish (false). */
  ordered?: boolean;
  /** Each task's time limit in ms, counted from its start. Default 5000; Infinity for none. */
  timeout?: number;
  /**
   * What a task past its timeout does: `'exit'` (the default) shuts every task down and the
   * iteration throws `TaskTimeoutError`; `'killTask'` kills that task and emits `{ exit: 'timeout' }`.
   */
  onTimeout?: 'exit' | 'killTask';
}

const STREAM_KEYS = ['maxConcurrency', 'ordered', 'timeout', 'onTimeout'];

function checkStreamOptions(options: unknown): Required<AsyncStreamOptions> {
  if (options !== undefined && (typeof options !== 'object' || options === null)) {
    throw new ArgumentError('options', options, 'an object such as { maxConcurrency: 4 }');
  }
  const o = (options ?? {}) as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!STREAM_KEYS.includes(key)) throw new ArgumentError(`options.${key}`, o[key], `one of: ${STREAM_KEYS.join(', ')}`);
  }
  const { maxConcurrency = availableParallelism(), ordered = true, timeout = DEFAULT_CALL_TIMEOUT, onTimeout = 'exit' } = o;
  if (!(typeof maxConcurrency === 'number' && Number.isInteger(maxConcurrency) && maxConcurrency >= 1)) {
    throw new ArgumentError('options.maxConcurrency', maxConcurrency, 'a whole number >= 1');
  }
  if (typeof ordered !== 'boolean') throw new ArgumentError('options.ordered', ordered, 'a boolean');
  if (!isTimeout(timeout)) throw new ArgumentError('options.timeout', timeout, 'a finite number >= 0 or Infinity (milliseconds)');
  if (onTimeout !== 'exit' && onTimeout !== 'killTask') throw new ArgumentError('options.onTimeout', onTimeout, "'exit' or 'killTask'");
  return { maxConcurrency, ordered, timeout, onTimeout };
}

/**
 * `asyncStream`'s checks and its iterable, for `Task.asyncStream` and `TaskSupervisor.asyncStream`:
 * `spawn` starts one task (under a supervisor, it resolves once the supervisor has started it);
 * `exitsAsResults` yields a task's exit as `{ exit }` instead of throwing (the nolink streams).
 * @internal
 */
export function asyncStreamOf<T, R>(
  items: Iterable<T> | AsyncIterable<T>,
  fn: (item: T, signal: AbortSignal) => R | PromiseLike<R>,
  options: AsyncStreamOptions | undefined,
  spawn: (fn: TaskFn<R>) => Task<R> | Promise<Task<R>>,
  exitsAsResults: boolean,
): AsyncIterable<TaskResult<Awaited<R>>> {
  if (items === null || typeof items !== 'object' || !(Symbol.iterator in items || Symbol.asyncIterator in items)) {
    throw new ArgumentError('items', items, 'an iterable or async iterable');
  }
  checkFn(fn);
  const opts = checkStreamOptions(options);
  return {
    [Symbol.asyncIterator]: () => stream(items, fn, opts, spawn, exitsAsResults) as AsyncGenerator<TaskResult<Awaited<R>>>,
  };
}

/** Spawns one task per input with at most `maxConcurrency` running, yielding their outcomes. */
async function* stream<T, R>(
  items: Iterable<T> | AsyncIterable<T>,
  fn: (item: T, signal: AbortSignal) => R | PromiseLike<R>,
  opts: Required<AsyncStreamOptions>,
  spawn: (fn: TaskFn<R>) => Task<R> | Promise<Task<R>>,
  exitsAsResults: boolean,
): AsyncGenerator<TaskResult<R>, void, undefined> {
  const input: Iterator<T> | AsyncIterator<T> =
    Symbol.asyncIterator in Object(items) ? (items as AsyncIterable<T>)[Symbol.asyncIterator]() : (items as Iterable<T>)[Symbol.iterator]();
  // In flight, in input order; each entry's promise settles with its outcome or undefined (timeout).
  const running: { task: Task<R>; done: Promise<TaskResult<R> | undefined>; outcome?: TaskResult<R> | undefined; finished: boolean }[] = [];
  let exhausted = false;
  try {
    for (;;) {
      while (!exhausted && running.length < opts.maxConcurrency) {
        const next = await input.next();
        if (next.done) {
          exhausted = true;
          break;
        }
        const item = next.value;
        const task = await spawn((signal) => fn(item, signal));
        const entry = { task, done: task.wait(opts.timeout), finished: false } as (typeof running)[number];
        void entry.done.then((outcome) => {
          entry.outcome = outcome;
          entry.finished = true;
        });
        running.push(entry);
      }
      if (running.length === 0) return;
      let index = 0;
      if (opts.ordered) await running[0].done;
      else {
        await Promise.race(running.map((e) => e.done));
        // Let every settled entry's own `then` run, so `finished` is up to date.
        await Promise.resolve();
        index = Math.max(
          0,
          running.findIndex((e) => e.finished),
        );
      }
      const [entry] = running.splice(index, 1);
      const outcome = await entry.done;
      if (outcome === undefined) {
        abandon(entry.task as Task<unknown>, 'kill');
        if (opts.onTimeout === 'exit') throw new TaskTimeoutError(entry.task.ref, opts.timeout);
        yield { exit: 'timeout' };
      } else if ('exit' in outcome) {
        if (!exitsAsResults) throw new TaskExitError(entry.task.ref, outcome.exit);
        yield outcome;
      } else {
        yield outcome;
      }
    }
  } finally {
    // Broken off, failed or timed out: no task outlives the stream.
    for (const entry of running) abandon(entry.task as Task<unknown>, 'kill');
    if (!exhausted) await input.return?.();
  }
}
