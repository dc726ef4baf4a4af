import { checkOptionKeys, type ChildSpec, type Restart, type Shutdown } from './child_spec';
import type { ServerTarget } from './client';
import { DynamicSupervisor, type DynamicSupervisorOptions, type DynamicSupervisorServer } from './dynamic_supervisor';
import { ArgumentError } from '../errors';
import { context } from '../process/context';
import type { Process } from '../process/process';
import { ServerRef } from '../process/ref';
import { asyncStreamOf, spawnTask, type AsyncStreamOptions, type Task, type TaskFn, type TaskResult } from './task';

// Elixir's Task.Supervisor: a DynamicSupervisor whose children are tasks. The supervisor is each
// task's parent (its shutdown ends them); `async` also links the task to the caller.

/** Options of `TaskSupervisor.startChild`. */
export interface TaskChildOptions {
  /** Default 'temporary': never restarted. 'transient' reruns `fn` after a crash, 'permanent' always. */
  restart?: Restart;
  /** Default 5000 ms, then the task is killed; or 'brutal_kill'. */
  shutdown?: Shutdown;
}

function checkFn(fn: unknown): void {
  if (typeof fn !== 'function') throw new ArgumentError('fn', fn, 'a function to run in the task');
}

function taskSpec(start: () => Promise<ServerRef>, options: TaskChildOptions = {}): ChildSpec {
  const o = checkOptionKeys(options, ['restart', 'shutdown'], "{ restart: 'transient' }");
  return {
    id: 'Task',
    start,
    restart: (o.restart as Restart | undefined) ?? 'temporary',
    shutdown: (o.shutdown as Shutdown | undefined) ?? 5000,
  };
}

async function startTask<R>(sup: ServerTarget, fn: TaskFn<R>, caller: Process | undefined): Promise<Task<Awaited<R>>> {
  checkFn(fn);
  let task: Task<Awaited<R>> | undefined;
  // The start function runs as the supervisor (so the task's parent is the supervisor).
  const spec = taskSpec(() => {
    task = spawnTask(fn, context.current, caller) as Task<Awaited<R>>;
    return Promise.resolve(task.ref);
  });
  await DynamicSupervisor.startChild(sup, spec);
  return task!;
}

/**
 * Elixir's `Task.Supervisor`: a supervisor of tasks, started dynamically. Tasks are its children,
 * so shutting it down ends them, and `TaskSupervisor.children` lists them.
 *
 * ```ts
 * const sup = await TaskSupervisor.start({ name: 'tasks' });
 * const task = await TaskSupervisor.async('tasks', () => render(page));
 * const html = await Task.await(task);
 * await TaskSupervisor.startChild('tasks', () => sendMail(user)); // fire and forget
 * ```
 */
export class TaskSupervisor {
  private constructor() {}

  /** Starts a task supervisor. Options are `DynamicSupervisor.start`'s (`name`, `maxChildren` Infinity, `maxRestarts` 3, `maxSeconds` 5). */
  static start(options?: DynamicSupervisorOptions): Promise<ServerRef<DynamicSupervisorServer>> {
    return DynamicSupervisor.start(options);
  }

  /** Like `start`, linked to the running server (see `GenServer.startLink`). */
  static startLink(options?: DynamicSupervisorOptions): Promise<ServerRef<DynamicSupervisorServer>> {
    return DynamicSupervisor.startLink(options);
  }

  /** A child spec for running it under a Supervisor: `[TaskSupervisor, options]`. Default id 'TaskSupervisor' (or its name). */
  static childSpec(options?: DynamicSupervisorOptions): ChildSpec {
    const id = typeof options?.name === 'string' ? options.name : 'TaskSupervisor';
    return { ...DynamicSupervisor.childSpec(options), id };
  }

  /**
   * Starts `fn` as a supervised task and resolves to its handle, for `Task.await`. The task is
   * also linked to the running server, if any, as `Task.async` is: its crash takes that server
   * down. Rejects with `MaxChildrenError` or `NoProcError` (no such supervisor).
   */
  static async<R>(sup: ServerTarget, fn: TaskFn<R>): Promise<Task<Awaited<R>>> {
    const caller = context.current;
    return startTask(sup, fn, caller);
  }

  /**
   * Like `async`, but not linked to the caller: a crash only shows as `TaskExitError` from
   * `Task.await` (or `{ exit }` from `Task.yield`), never as an exit signal.
   */
  static asyncNolink<R>(sup: ServerTarget, fn: TaskFn<R>): Promise<Task<Awaited<R>>> {
    return startTask(sup, fn, undefined);
  }

  /**
   * `Task.asyncStream` with the tasks under this supervisor (Elixir's `Task.Supervisor.async_stream`):
   * runs `fn(item, signal)` for every item, at most `maxConcurrency` at once, each task a child of
   * `sup` and linked to the running server, if any, as `async` does; yields `{ ok: result }` per
   * item as an async iterable. The same options and defaults: `maxConcurrency`
   * (`os.availableParallelism()`), `ordered` (true), `timeout` (5000 ms per task), `onTimeout`
   * (`'exit'` throws `TaskTimeoutError`; `'killTask'` yields `{ exit: 'timeout' }`). A task that
   * throws makes the iteration throw `TaskExitError`; so does starting one on a supervisor that is
   * gone (`NoProcError`) or full (`MaxChildrenError`). Breaking off shuts the tasks still running down.
   *
   * ```ts
   * for await (const r of TaskSupervisor.asyncStream('tasks', urls, (url, signal) => fetch(url, { signal }))) ...
   * ```
   */
  static asyncStream<T, R>(
    sup: ServerTarget,
    items: Iterable<T> | AsyncIterable<T>,
    fn: (item: T, signal: AbortSignal) => R | PromiseLike<R>,
    options?: AsyncStreamOptions,
  ): AsyncIterable<TaskResult<Awaited<R>>> {
    const caller = context.current;
    return asyncStreamOf(items, fn, options, (f) => startTask(sup, f, caller) as Promise<Task<R>>, false);
  }

  /**
   * Like `asyncStream`, but the tasks are not linked to the caller (Elixir's `async_stream_nolink`):
   * a task that throws or is killed yields `{ exit: reason }` and the iteration goes on; it never
   * reaches the caller as an exit signal.
   */
  static asyncStreamNolink<T, R>(
    sup: ServerTarget,
    items: Iterable<T> | AsyncIterable<T>,
    fn: (item: T, signal: AbortSignal) => R | PromiseLike<R>,
    options?: AsyncStreamOptions,
  ): AsyncIterable<TaskResult<Awaited<R>>> {
    return asyncStreamOf(items, fn, options, (f) => startTask(sup, f, undefined) as Promise<Task<R>>, true);
  }

  /**
   * Starts `fn` as a supervised task whose result no one awaits, and resolves to its ref.
   * Options: `restart` (default 'temporary'), `shutdown` (default 5000 ms).
   */
  static async startChild(sup: ServerTarget, fn: TaskFn<unknown>, options?: TaskChildOptions): Promise<ServerRef> {
    checkFn(fn);
    const spec = taskSpec(() => Promise.resolve(spawnTask(fn, context.current, undefined).ref), options);
    return (await DynamicSupervisor.startChild(sup, spec))!;
  }

  /** The refs of its running tasks. Synchronous. */
  static children(sup: ServerTarget): ServerRef[] {
    return DynamicSupervisor.whichChildren(sup).flatMap((c) => (c.ref instanceof ServerRef ? [c.ref] : []));
  }

  /** Ends a task it supervises (reason 'shutdown'). Rejects with `ChildNotFoundError` if it is not one of its tasks. */
  static terminateChild(sup: ServerTarget, task: ServerRef): Promise<void> {
    return DynamicSupervisor.terminateChild(sup, task);
  }
}
