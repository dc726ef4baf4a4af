import { expect } from 'chai';
import {
  ArgumentError,
  GenServer,
  MaxChildrenError,
  NoProcError,
  ServerExitError,
  Supervisor,
  Task,
  TaskExitError,
  TaskSupervisor,
  TaskTimeoutError,
  handleCall,
  init,
  reply,
  type ServerRef,
} from '../lib';
import { captureLogs, gate, rejectionOf, sleep, trackServers } from './support/helpers';
import { eventually } from './support/supervision';

/** A server that starts supervised tasks from a handler (before any await, so the caller is known). */
class Requester extends GenServer<ServerRef> {
  @init
  setup(sup: ServerRef) {
    return sup;
  }

  @handleCall('async')
  async(how: 'async' | 'asyncNolink', sup: ServerRef) {
    const started =
      how === 'async'
        ? TaskSupervisor.async(sup, () => sleep(5).then(() => Promise.reject(new Error('supervised task failed'))))
        : TaskSupervisor.asyncNolink(sup, () => sleep(5).then(() => Promise.reject(new Error('supervised task failed'))));
    return started.then((task) => reply(task, sup));
  }
}

/** Streams [1, 2, 3] through tasks of `sup` from a handler; the task for 2 throws. */
class Streamer extends GenServer<ServerRef> {
  @init
  setup(sup: ServerRef) {
    return sup;
  }

  @handleCall('stream')
  async stream(how: 'asyncStream' | 'asyncStreamNolink', sup: ServerRef) {
    const results = [];
    const fn = async (n: number) => {
      await sleep(5);
      if (n === 2) throw new Error('item 2 failed');
      return n * 10;
    };
    for await (const r of TaskSupervisor[how](sup, [1, 2, 3], fn, { maxConcurrency: 1 })) results.push(r);
    return reply(results, sup);
  }
}

/** Collects an async iterable into an array. */
async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of iterable) out.push(x);
  return out;
}

describe('TaskSupervisor', () => {
  const track = trackServers();
  captureLogs();

  describe('TaskSupervisor.async()', () => {
    it('runs the task as a child of the supervisor and resolves to a handle for Task.await', async () => {
      const sup = track(await TaskSupervisor.start());
      const release = gate();
      const task = await TaskSupervisor.async(sup, () => release.promise.then(() => 'supervised'));
      expect(TaskSupervisor.children(sup)).to.deep.equal([task.ref]);
      expect(GenServer.info(task.ref).links).to.deep.equal([sup]);
      release.open();
      expect(await Task.await(task)).to.equal('supervised');
      await eventually('the finished task left the children', () => TaskSupervisor.children(sup).length === 0);
    });

    it('links the task to the calling server too: its crash takes the caller down, not the supervisor', async () => {
      const sup = track(await TaskSupervisor.start());
      const caller = track(await Requester.start(sup));
      const task = (await GenServer.call(caller, 'async', 'async')) as Task<unknown>;
      expect(GenServer.info(task.ref).links).to.have.members([sup, caller]);
      expect(((await GenServer.awaitExit(caller)) as Error).message).to.equal('supervised task failed');
      expect(GenServer.isAlive(sup)).to.equal(true);
    });

    it('rejects with MaxChildrenError when the supervisor is full, and NoProcError for no supervisor', async () => {
      const sup = track(await TaskSupervisor.start({ maxChildren: 1 }));
      const first = await TaskSupervisor.async(sup, () => sleep(10_000));
      expect(await rejectionOf(TaskSupervisor.async(sup, () => 1))).to.be.instanceOf(MaxChildrenError);
      await Task.shutdown(first);
      expect(await rejectionOf(TaskSupervisor.async('task_sup_spec_none', () => 1))).to.be.instanceOf(NoProcError);
      expect(await rejectionOf(TaskSupervisor.async(sup, 'fn' as unknown as () => number))).to.be.instanceOf(ArgumentError);
    });
  });

  describe('TaskSupervisor.asyncNolink()', () => {
    it('does not link the caller: a crash only rejects Task.await with TaskExitError', async () => {
      const sup = track(await TaskSupervisor.start());
      const caller = track(await Requester.start(sup));
      const task = (await GenServer.call(caller, 'async', 'asyncNolink')) as Task<unknown>;
      expect(GenServer.info(task.ref).links).to.deep.equal([sup]);
      expect(await rejectionOf(Task.await(task))).to.be.instanceOf(TaskExitError);
      expect(GenServer.isAlive(caller)).to.equal(true);
      expect(GenServer.isAlive(sup)).to.equal(true);
    });
  });

  describe('TaskSupervisor.asyncStream()', () => {
    it('runs every item in a task under the supervisor, at most maxConcurrency at once, yielding { ok } in input order', async () => {
      const sup = track(await TaskSupervisor.start());
      let running = 0;
      let peak = 0;
      let children = 0;
      const fn = async (n: number) => {
        running++;
        peak = Math.max(peak, running);
        await sleep(30 - n * 5); // later items finish sooner: the order is the inputs'
        children = Math.max(children, TaskSupervisor.children(sup).length);
        running--;
        return n * 2;
      };
      const results = await collect(TaskSupervisor.asyncStream(sup, [1, 2, 3, 4, 5], fn, { maxConcurrency: 2 }));
      expect(results).to.deep.equal([{ ok: 2 }, { ok: 4 }, { ok: 6 }, { ok: 8 }, { ok: 10 }]);
      expect(peak).to.equal(2);
      expect(children, "the tasks were the supervisor's children").to.equal(2);
      await eventually('the finished tasks left the children', () => TaskSupervisor.children(sup).length === 0);
    });

    it('with ordered: false, yields results as the tasks finish', async () => {
      const sup = track(await TaskSupervisor.start());
      const results = await collect(
        TaskSupervisor.asyncStream(sup, [60, 5, 30], (ms) => sleep(ms).then(() => ms), { ordered: false, maxConcurrency: 3 }),
      );
      expect(results).to.deep.equal([{ ok: 5 }, { ok: 30 }, { ok: 60 }]);
    });

    it("past the timeout, onTimeout 'killTask' yields { exit: 'timeout' } and goes on; 'exit' throws TaskTimeoutError", async () => {
      const sup = track(await TaskSupervisor.start());
      const never = gate<number>();
      const fn = (n: number) => (n === 2 ? never.promise : n);
      const killed = await collect(TaskSupervisor.asyncStream(sup, [1, 2, 3], fn, { timeout: 30, onTimeout: 'killTask' }));
      expect(killed).to.deep.equal([{ ok: 1 }, { exit: 'timeout' }, { ok: 3 }]);
      expect(await rejectionOf(collect(TaskSupervisor.asyncStream(sup, [1, 2, 3], fn, { timeout: 30 })))).to.be.instanceOf(
        TaskTimeoutError,
      );
      await eventually('no task outlived its stream', () => TaskSupervisor.children(sup).length === 0);
    });

    it("links the tasks to the calling server: a task's crash takes the caller down, not the supervisor", async () => {
      const sup = track(await TaskSupervisor.start());
      const caller = track(await Streamer.start(sup));
      const exited = GenServer.awaitExit(caller);
      expect(await rejectionOf(GenServer.call(caller, 'stream', 'asyncStream'))).to.be.instanceOf(ServerExitError);
      expect(((await exited) as Error).message).to.equal('item 2 failed');
      expect(GenServer.isAlive(sup)).to.equal(true);
    });

    it('outside a server, a task that throws makes the iteration throw TaskExitError', async () => {
      const sup = track(await TaskSupervisor.start());
      const fn = (n: number) => {
        if (n === 2) throw new Error('item 2 failed');
        return n;
      };
      const error = await rejectionOf(collect(TaskSupervisor.asyncStream(sup, [1, 2, 3], fn)));
      expect(error).to.be.instanceOf(TaskExitError);
      expect(((error as TaskExitError).reason as Error).message).to.equal('item 2 failed');
    });

    it('shuts the tasks still running down when the loop breaks off', async () => {
      const sup = track(await TaskSupervisor.start());
      const never = gate<number>();
      for await (const r of TaskSupervisor.asyncStream(sup, [1, 2, 3, 4], (n) => (n === 1 ? 1 : never.promise), { maxConcurrency: 4 })) {
        expect(r).to.deep.equal({ ok: 1 });
        expect(TaskSupervisor.children(sup).length).to.equal(3);
        break;
      }
      await eventually('the tasks were shut down', () => TaskSupervisor.children(sup).length === 0);
    });

    it('throws NoProcError from the loop for no supervisor, MaxChildrenError for a full one, ArgumentError for bad options at once', async () => {
      expect(await rejectionOf(collect(TaskSupervisor.asyncStream('task_sup_spec_none', [1], (n) => n)))).to.be.instanceOf(NoProcError);
      const full = track(await TaskSupervisor.start({ maxChildren: 1 }));
      const error = await rejectionOf(
        collect(TaskSupervisor.asyncStream(full, [1, 2], (n) => sleep(20).then(() => n), { maxConcurrency: 2 })),
      );
      expect(error).to.be.instanceOf(MaxChildrenError);
      await eventually('the started task was shut down', () => TaskSupervisor.children(full).length === 0);
      expect(() => TaskSupervisor.asyncStream(full, [1], (n) => n, { maxConcurrency: 0 })).to.throw(ArgumentError, /maxConcurrency/);
      expect(() => TaskSupervisor.asyncStreamNolink(full, 42 as never, (n) => n)).to.throw(ArgumentError, /iterable/);
    });
  });

  describe('TaskSupervisor.asyncStreamNolink()', () => {
    it('does not link the caller: a crashed task yields { exit: reason } and the stream goes on', async () => {
      const sup = track(await TaskSupervisor.start());
      const caller = track(await Streamer.start(sup));
      const results = (await GenServer.call(caller, 'stream', 'asyncStreamNolink')) as { ok?: number; exit?: Error }[];
      expect(results).to.have.length(3);
      expect(results[0]).to.deep.equal({ ok: 10 });
      expect(results[1]!.exit).to.be.instanceOf(Error).with.property('message', 'item 2 failed');
      expect(results[2]).to.deep.equal({ ok: 30 });
      expect(GenServer.isAlive(caller)).to.equal(true);
    });

    it('honours timeout and onTimeout as asyncStream does', async () => {
      const sup = track(await TaskSupervisor.start());
      const never = gate<number>();
      const results = await collect(
        TaskSupervisor.asyncStreamNolink(sup, [1, 2], (n) => (n === 1 ? never.promise : n), { timeout: 30, onTimeout: 'killTask' }),
      );
      expect(results).to.deep.equal([{ exit: 'timeout' }, { ok: 2 }]);
      expect(await rejectionOf(collect(TaskSupervisor.asyncStreamNolink(sup, [1], () => never.promise, { timeout: 30 })))).to.be.instanceOf(
        TaskTimeoutError,
      );
    });
  });

  describe('TaskSupervisor.startChild()', () => {
    it('runs a fire-and-forget task under the supervisor, temporary by default', async () => {
      const sup = track(await TaskSupervisor.start());
      let runs = 0;
      const ref = await TaskSupervisor.startChild(sup, () => {
        runs++;
        throw new Error('not restarted');
      });
      await GenServer.awaitExit(ref);
      await sleep(5);
      expect(runs).to.equal(1);
      expect(TaskSupervisor.children(sup)).to.deep.equal([]);
    });

    it("reruns a crashed task with restart 'transient'", async () => {
      const sup = track(await TaskSupervisor.start());
      let runs = 0;
      await TaskSupervisor.startChild(
        sup,
        () => {
          if (++runs < 3) throw new Error(`run ${runs} failed`);
        },
        { restart: 'transient' },
      );
      await eventually('three runs', () => runs === 3);
      await eventually('no child left', () => TaskSupervisor.children(sup).length === 0);
    });

    it('ends its tasks when the supervisor stops', async () => {
      const sup = await TaskSupervisor.start();
      const ref = await TaskSupervisor.startChild(sup, () => sleep(10_000), { shutdown: 'brutal_kill' });
      await GenServer.stop(sup);
      expect(GenServer.isAlive(ref)).to.equal(false);
    });

    it('rejects bad options with ArgumentError', async () => {
      const sup = track(await TaskSupervisor.start());
      expect(await rejectionOf(TaskSupervisor.startChild(sup, () => 1, { restrt: 'permanent' } as never))).to.be.instanceOf(ArgumentError);
    });
  });

  describe('as a child spec', () => {
    it('runs under a Supervisor from [TaskSupervisor, { name }], and [Task, fn] runs a temporary task', async () => {
      const release = gate();
      const sup = track(
        await Supervisor.start([
          [TaskSupervisor, { name: 'task_sup_spec_tasks' }],
          [Task, () => release.promise],
        ]),
      );
      expect(Supervisor.whichChildren(sup).map((c) => c.id)).to.deep.equal(['task_sup_spec_tasks', 'Task']);
      release.open();
      // Temporary: once it has finished, the supervisor forgets it.
      await eventually('the task finished', () => Supervisor.whichChildren(sup).length === 1);
      const task = await TaskSupervisor.async('task_sup_spec_tasks', () => 'named');
      expect(await Task.await(task)).to.equal('named');
      expect(Task.childSpec(() => 1)).to.include({ id: 'Task', restart: 'temporary', shutdown: 5000, type: 'worker' });
    });
  });
});
