// Type tests of Task: the result type flows from the function into Task.await, yield and awaitMany.
// Compile-only (see expect_type.ts). Each `@ts-expect-error` names the mistake it stands for.
import { Task, TaskSupervisor, type ServerRef, type TaskResult } from '../../lib';
import { expectType } from './expect_type';

export async function taskResults(sup: ServerRef): Promise<void> {
  // ---- positive ---------------------------------------------------------------------------------
  const n = Task.async(() => 42);
  expectType<Task<number>>()(n);
  expectType<Promise<number>>()(Task.await(n));
  const s = Task.async(async () => 'text');
  expectType<Task<string>>()(s);
  expectType<Promise<string>>()(Task.await(s, 100));
  expectType<Promise<TaskResult<string> | undefined>>()(Task.yield(s));
  expectType<Promise<TaskResult<string> | undefined>>()(Task.shutdown(s, 'brutal_kill'));
  expectType<Promise<[number, string]>>()(Task.awaitMany([n, s]));
  const supervised = await TaskSupervisor.async(sup, async () => ({ id: 1 }));
  expectType<Task<{ id: number }>>()(supervised);
  for await (const result of Task.asyncStream([1, 2], async (x) => String(x))) {
    expectType<TaskResult<string>>()(result);
    if ('ok' in result) expectType<string>()(result.ok);
  }
  const any: Task<unknown> = s;
  void any;

  // ---- negative ---------------------------------------------------------------------------------
  // @ts-expect-error the result is a number, not a string
  const wrong: string = await Task.await(n);
  void wrong;
  // @ts-expect-error awaitMany's results keep each task's type
  const pair: [string, string] = await Task.awaitMany([n, s]);
  void pair;
  // @ts-expect-error a timeout that is not a number
  void Task.await(n, '100');
  // @ts-expect-error shutdown takes ms or 'brutal_kill'
  void Task.shutdown(n, 'kill');
  // @ts-expect-error the stream's items are numbers
  void Task.asyncStream([1, 2], (x: string) => x);
  // @ts-expect-error an unknown asyncStream option
  void Task.asyncStream([1], (x) => x, { concurrency: 2 });
}

export async function supervisedStreams(sup: ServerRef): Promise<void> {
  for await (const result of TaskSupervisor.asyncStream(sup, [1, 2], async (x) => String(x), { ordered: false })) {
    expectType<TaskResult<string>>()(result);
  }
  expectType<AsyncIterable<TaskResult<number>>>()(
    TaskSupervisor.asyncStreamNolink(sup, new Set(['a']), (s, signal) => (signal.aborted ? 0 : s.length)),
  );
  // @ts-expect-error the items are numbers, not strings
  void TaskSupervisor.asyncStream(sup, [1, 2], (x: string) => x);
  // @ts-expect-error an unknown option
  void TaskSupervisor.asyncStreamNolink(sup, [1], (x) => x, { concurrency: 2 });
  // @ts-expect-error onTimeout is 'exit' or 'killTask'
  void TaskSupervisor.asyncStream(sup, [1], (x) => x, { onTimeout: 'ignore' });
}
