import { expect } from 'chai';
import {
  ArgumentError,
  GenServer,
  MaxChildrenError,
  NoProcError,
  Supervisor,
  Task,
  TaskExitError,
  TaskSupervisor,
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
