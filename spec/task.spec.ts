import { expect } from 'chai';
import {
  ArgumentError,
  GenServer,
  Task,
  TaskExitError,
  TaskTimeoutError,
  handleCall,
  handleInfo,
  init,
  noreply,
  reply,
  type ExitMessage,
  type ServerRef,
} from '../lib';
import { captureLogs, gate, rejectionOf, sleep, trackServers } from './support/helpers';

/** A server that starts tasks from its handlers, so they are linked to it. */
class Caller extends GenServer<{ exits: ExitMessage[]; task?: Task<unknown> }> {
  @init
  setup(trap?: boolean) {
    if (trap) this.trapExits();
    return { exits: [] };
  }

  @handleCall('crashingTask')
  crashingTask(message: string, state: { exits: ExitMessage[] }) {
    const task = Task.async(async () => {
      await sleep(5);
      throw new Error(message);
    });
    return reply(task, { ...state, task });
  }

  @handleCall('slowTask')
  slowTask(ms: number, state: { exits: ExitMessage[] }) {
    const task = Task.async(() => sleep(ms).then(() => 'slow'));
    return reply(task, { ...state, task });
  }

  @handleCall('exits')
  exits(_: void, state: { exits: ExitMessage[] }) {
    return reply(state.exits, state);
  }

  @handleInfo('EXIT')
  exit(message: ExitMessage, state: { exits: ExitMessage[] }) {
    return noreply({ ...state, exits: [...state.exits, message] });
  }
}

describe('Task', () => {
  const track = trackServers();
  const logs = captureLogs();

  describe('Task.async() and Task.await()', () => {
    it('runs the function in its own process and resolves to its result', async () => {
      const task = Task.async(() => 21 * 2);
      expect(GenServer.isAlive(task.ref) || task.ref.id > 0).to.equal(true);
      expect(await Task.await(task)).to.equal(42);
      expect(GenServer.isAlive(task.ref)).to.equal(false);
      expect(await GenServer.awaitExit(task.ref)).to.equal('normal');
    });

    it('awaits a function that returns a promise', async () => {
      const task = Task.async(async () => {
        await sleep(5);
        return 'later';
      });
      expect(GenServer.info(task.ref)).to.include({ className: 'TaskServer' });
      expect(await Task.await(task)).to.equal('later');
    });

    it('rejects with TaskExitError carrying the error when the function throws', async () => {
      const task = Task.async(() => {
        throw new Error('task failed');
      });
      const error = (await rejectionOf(Task.await(task))) as TaskExitError;
      expect(error).to.be.instanceOf(TaskExitError).and.to.include({ task: task.ref });
      expect((error.reason as Error).message).to.equal('task failed');
    });

    it('rejects with TaskTimeoutError after the timeout, shuts the task down and aborts its signal', async () => {
      let signal: AbortSignal | undefined;
      const task = Task.async((s) => {
        signal = s;
        return sleep(200);
      });
      const error = await rejectionOf(Task.await(task, 10));
      expect(error).to.be.instanceOf(TaskTimeoutError).and.to.include({ task: task.ref, timeout: 10 });
      expect(GenServer.isAlive(task.ref)).to.equal(false);
      expect(signal?.aborted).to.equal(true);
    });

    it('throws ArgumentError for a function that is not one, and rejects await of something that is no task', async () => {
      expect(() => Task.async(5 as unknown as () => number)).to.throw(ArgumentError);
      expect(await rejectionOf(Task.await({} as Task<number>))).to.be.instanceOf(ArgumentError);
      expect(
        await rejectionOf(
          Task.await(
            Task.async(() => 1),
            -1,
          ),
        ),
      ).to.be.instanceOf(ArgumentError);
    });

    it('leaves no unhandled rejection when a crashed task is never awaited', async () => {
      const rejections: unknown[] = [];
      const onRejection = (reason: unknown) => rejections.push(reason);
      process.on('unhandledRejection', onRejection);
      try {
        const task = Task.async(() => Promise.reject(new Error('ignored')));
        await GenServer.awaitExit(task.ref);
        await sleep(5);
      } finally {
        process.off('unhandledRejection', onRejection);
      }
      expect(rejections).to.deep.equal([]);
    });
  });

  describe('linked to the server that starts it', () => {
    it('a crashing task takes its caller down with the same reason', async () => {
      const caller = track(await Caller.start());
      const task = (await GenServer.call(caller, 'crashingTask', 'boom')) as Task<unknown>;
      expect(GenServer.info(task.ref).links).to.deep.equal([caller]);
      const reason = (await GenServer.awaitExit(caller)) as Error;
      expect(reason.message).to.equal('boom');
    });

    it('a caller that traps exits gets the EXIT message and lives on', async () => {
      const caller = track(await Caller.start(true));
      const task = (await GenServer.call(caller, 'crashingTask', 'trapped')) as Task<unknown>;
      await GenServer.awaitExit(task.ref);
      const exits = (await GenServer.call(caller, 'exits')) as ExitMessage[];
      expect(exits.map((e) => e.from)).to.deep.equal([task.ref]);
      expect(GenServer.isAlive(caller)).to.equal(true);
    });

    it("the caller's exit ends the task", async () => {
      const caller = await Caller.start();
      const task = (await GenServer.call(caller, 'slowTask', 10_000)) as Task<unknown>;
      await GenServer.stop(caller, 'shutdown');
      expect(await GenServer.awaitExit(task.ref)).to.equal('shutdown');
      expect(await Task.yield(task, 0)).to.deep.equal({ exit: 'shutdown' });
    });
  });

  describe('Task.yield()', () => {
    it('resolves to undefined while the task runs, then to { ok } once it has finished', async () => {
      const done = gate<string>();
      const task = Task.async(() => done.promise);
      expect(await Task.yield(task, 5)).to.equal(undefined);
      expect(GenServer.isAlive(task.ref)).to.equal(true);
      done.open('finished');
      expect(await Task.yield(task)).to.deep.equal({ ok: 'finished' });
    });

    it('resolves to { exit: reason } for a task that crashed', async () => {
      const error = new Error('crashed');
      const task = Task.async(() => {
        throw error;
      });
      expect(await Task.yield(task)).to.deep.equal({ exit: error });
    });
  });

  describe('Task.shutdown()', () => {
    it('ends a running task with reason shutdown and resolves to undefined', async () => {
      const task = Task.async(() => sleep(10_000));
      expect(await Task.shutdown(task)).to.equal(undefined);
      expect(await GenServer.awaitExit(task.ref)).to.equal('shutdown');
    });

    it("kills with 'brutal_kill'", async () => {
      const task = Task.async(() => sleep(10_000));
      expect(await Task.shutdown(task, 'brutal_kill')).to.equal(undefined);
      expect(await GenServer.awaitExit(task.ref)).to.equal('killed');
    });

    it('resolves to the result if it arrived before the shutdown', async () => {
      const task = Task.async(() => 'done');
      await GenServer.awaitExit(task.ref);
      expect(await Task.shutdown(task)).to.deep.equal({ ok: 'done' });
    });

    it('unlinks the task first, so shutting it down does not take the caller down', async () => {
      const caller = track(await Caller.start());
      const task = (await GenServer.call(caller, 'slowTask', 10_000)) as Task<unknown>;
      await Task.shutdown(task);
      expect(GenServer.isAlive(caller)).to.equal(true);
      expect(GenServer.info(caller).links).to.deep.equal([]);
    });
  });

  describe('Task.awaitMany()', () => {
    it('resolves to the results in the order of the tasks', async () => {
      const tasks = [Task.async(() => sleep(10).then(() => 'a')), Task.async(() => 'b'), Task.async(async () => 'c')];
      expect(await Task.awaitMany(tasks)).to.deep.equal(['a', 'b', 'c']);
    });

    it('rejects with TaskTimeoutError once the one deadline has passed, shutting down the tasks still running', async () => {
      const fast = Task.async(() => 'fast');
      const slow = Task.async(() => sleep(10_000));
      const error = await rejectionOf(Task.awaitMany([fast, slow], 20));
      expect(error).to.be.instanceOf(TaskTimeoutError).and.to.include({ task: slow.ref });
      expect(GenServer.isAlive(slow.ref)).to.equal(false);
    });

    it('rejects with the TaskExitError of a task that crashed', async () => {
      const crash = Task.async(() => {
        throw new Error('one failed');
      });
      const other = Task.async(() => sleep(10_000));
      const error = await rejectionOf(Task.awaitMany([crash, other]));
      expect(error).to.be.instanceOf(TaskExitError).and.to.include({ task: crash.ref });
      expect(GenServer.isAlive(other.ref)).to.equal(false);
    });
  });

  describe('Task.start()', () => {
    it('runs the function unlinked, fire and forget', async () => {
      const ran = gate<string>();
      const ref: ServerRef = await Task.start(() => ran.open('ran'));
      expect(await ran.promise).to.equal('ran');
      expect(await GenServer.awaitExit(ref)).to.equal('normal');
    });

    it('logs a crash report for a crash, reaching no one else', async () => {
      const ref = await Task.start(() => {
        throw new Error('fire and forget failed');
      });
      expect(((await GenServer.awaitExit(ref)) as Error).message).to.equal('fire and forget failed');
      expect(logs.filter((l) => l.level === 'error').map((l) => l.details?.server)).to.deep.equal([ref]);
    });
  });
});

describe('Task.asyncStream()', () => {
  captureLogs();

  async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
    const out: T[] = [];
    for await (const x of iterable) out.push(x);
    return out;
  }

  it('yields { ok } for every item, in input order by default', async () => {
    const results = await collect(Task.asyncStream([30, 10, 20], (ms) => sleep(ms).then(() => ms), { maxConcurrency: 3 }));
    expect(results).to.deep.equal([{ ok: 30 }, { ok: 10 }, { ok: 20 }]);
  });

  it('yields as they finish with ordered: false', async () => {
    const results = await collect(Task.asyncStream([60, 1, 30], (ms) => sleep(ms).then(() => ms), { maxConcurrency: 3, ordered: false }));
    expect(results).to.deep.equal([{ ok: 1 }, { ok: 30 }, { ok: 60 }]);
  });

  it('runs at most maxConcurrency tasks at once', async () => {
    let running = 0;
    let most = 0;
    const results = await collect(
      Task.asyncStream(
        [1, 2, 3, 4, 5, 6],
        async (n) => {
          most = Math.max(most, ++running);
          await sleep(5);
          running--;
          return n * 10;
        },
        { maxConcurrency: 2 },
      ),
    );
    expect(results.map((r) => ('ok' in r ? r.ok : r))).to.deep.equal([10, 20, 30, 40, 50, 60]);
    expect(most).to.equal(2);
  });

  it('takes an async iterable as input, pulled only as tasks are needed', async () => {
    const pulled: number[] = [];
    async function* numbers() {
      for (let i = 1; i <= 4; i++) {
        pulled.push(i);
        yield i;
      }
    }
    const stream = Task.asyncStream(numbers(), (n) => n * n, { maxConcurrency: 1 });
    const iterator = stream[Symbol.asyncIterator]();
    expect(await iterator.next()).to.deep.equal({ value: { ok: 1 }, done: false });
    expect(pulled.length).to.be.at.most(2);
    expect((await collect({ [Symbol.asyncIterator]: () => iterator })).length).to.equal(3);
  });

  it("throws TaskTimeoutError past the timeout with onTimeout 'exit' (the default), leaving no task running", async () => {
    const signals: AbortSignal[] = [];
    const stream = Task.asyncStream(
      [1, 200, 300],
      (ms, signal) => {
        signals.push(signal);
        return sleep(ms).then(() => ms);
      },
      { timeout: 50, maxConcurrency: 3 },
    );
    const error = await rejectionOf(collect(stream));
    expect(error).to.be.instanceOf(TaskTimeoutError).and.to.include({ timeout: 50 });
    expect(signals.map((s) => s.aborted)).to.deep.equal([false, true, true]);
  });

  it("yields { exit: 'timeout' } for a late task with onTimeout 'killTask' and goes on", async () => {
    const results = await collect(
      Task.asyncStream([1, 500, 2], (ms) => sleep(ms).then(() => ms), { timeout: 50, onTimeout: 'killTask', maxConcurrency: 3 }),
    );
    expect(results).to.deep.equal([{ ok: 1 }, { exit: 'timeout' }, { ok: 2 }]);
  });

  it('throws TaskExitError when a task throws, shutting down the others', async () => {
    let aborted = 0;
    const stream = Task.asyncStream(
      [1, 2, 3],
      (n, signal) => {
        if (n !== 1) signal.addEventListener('abort', () => aborted++);
        if (n === 1) throw new Error('item 1 failed');
        return sleep(10_000);
      },
      { maxConcurrency: 3 },
    );
    const error = (await rejectionOf(collect(stream))) as TaskExitError;
    expect(error).to.be.instanceOf(TaskExitError);
    expect((error.reason as Error).message).to.equal('item 1 failed');
    expect(aborted).to.equal(2);
  });

  it('shuts the running tasks down when the loop breaks off', async () => {
    const signals: AbortSignal[] = [];
    for await (const result of Task.asyncStream(
      [1, 2, 3, 4],
      (n, signal) => {
        signals.push(signal);
        return n === 1 ? Promise.resolve(1) : sleep(10_000).then(() => 0);
      },
      { maxConcurrency: 4 },
    )) {
      expect(result).to.deep.equal({ ok: 1 });
      break;
    }
    expect(signals.length).to.equal(4);
    expect(signals.slice(1).every((s) => s.aborted)).to.equal(true);
  });

  it('throws ArgumentError for bad input and options', () => {
    expect(() => Task.asyncStream(5 as unknown as number[], (n) => n)).to.throw(ArgumentError);
    expect(() => Task.asyncStream([1], 'fn' as unknown as (n: number) => number)).to.throw(ArgumentError);
    expect(() => Task.asyncStream([1], (n) => n, { maxConcurrency: 0 })).to.throw(ArgumentError);
    expect(() => Task.asyncStream([1], (n) => n, { onTimeout: 'later' as 'exit' })).to.throw(ArgumentError);
    expect(() => Task.asyncStream([1], (n) => n, { ordred: true } as never)).to.throw(ArgumentError);
  });
});
