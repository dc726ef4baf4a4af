import { expect } from 'chai';
import {
  ArgumentError,
  ChildNotFoundError,
  ChildStartError,
  DynamicSupervisor,
  GenServer,
  MaxChildrenError,
  ServerRef,
  Supervisor,
  handleCast,
  type Restart,
} from '../lib';
import { captureLogs, gate, rejectionOf, trackServers, type Gate } from './support/helpers';
import { Worker, events, eventually, exitChild, recordEvents, settled, started, terminateReasons, worker } from './support/supervision';

// ---- fixtures ---------------------------------------------------------------------------------
// Worker and worker(id, options) from ./support/supervision write `start <id>` and `stop <id>`
// into `events`; below, a lighter child for the load spec.

/** A child with no terminate and nothing to record: only its number, and a way to crash. */
class Light extends GenServer<number> {
  @handleCast('crash')
  crash(): never {
    throw new Error('crashed on purpose');
  }
}

const refsOf = (dyn: ServerRef): ServerRef[] => DynamicSupervisor.whichChildren(dyn).map((c) => c.ref as ServerRef);

/**
 * A child that starts the first time, and whose restarts each wait for the test to `release` them,
 * then fail while `failing` is true. `attempts` counts the starts begun.
 */
function stubborn(id: string) {
  const control = {
    attempts: 0,
    failing: true,
    held: undefined as Gate | undefined,
    /** Lets the restart attempt that is waiting go on (to fail or to start). */
    release(): void {
      const held = control.held;
      control.held = undefined;
      held?.open();
    },
    /** Resolves once restart attempt `n` (the first start is attempt 1) is waiting. */
    attempt: (n: number) => eventually(`restart attempt ${n} is waiting`, () => control.attempts === n && control.held !== undefined, 5000),
    spec: {
      id,
      start: async () => {
        if (++control.attempts === 1) return Worker.startLink({ id });
        const held = (control.held = gate());
        await held.promise;
        if (control.failing) throw new Error(`${id} cannot start`);
        return Worker.start({ id }); // after an await: the supervisor links it
      },
    },
  };
  return control;
}

// ---- specs ------------------------------------------------------------------------------------

describe('DynamicSupervisor', () => {
  const track = trackServers();
  captureLogs();
  recordEvents();

  it('starts with no children and starts each on demand, linked to it', async () => {
    const dyn = track(await DynamicSupervisor.start({ name: 'rooms_sup' }));
    expect(DynamicSupervisor.countChildren(dyn)).to.deep.equal({ specs: 0, active: 0, supervisors: 0, workers: 0 });
    const a = await DynamicSupervisor.startChild('rooms_sup', worker('a'));
    expect(a).to.be.instanceOf(ServerRef);
    expect(GenServer.info(a!).links).to.include(dyn);
    expect(DynamicSupervisor.whichChildren(dyn)).to.deep.equal([{ id: undefined, ref: a, type: 'worker' }]);
  });

  it('whichChildren() and countChildren() answer synchronously', async () => {
    const dyn = track(await DynamicSupervisor.start());
    const a = await DynamicSupervisor.startChild(dyn, worker('a'));
    const b = await DynamicSupervisor.startChild(dyn, { ...worker('b'), type: 'supervisor' });
    const rows = DynamicSupervisor.whichChildren(dyn);
    expect(rows).to.be.an('array').with.length(2);
    expect(rows).to.deep.include({ id: undefined, ref: a, type: 'worker' });
    expect(rows).to.deep.include({ id: undefined, ref: b, type: 'supervisor' });
    expect(DynamicSupervisor.countChildren(dyn)).to.deep.equal({ specs: 2, active: 2, supervisors: 1, workers: 1 });
  });

  it("terminateChild(ref) stops the child with 'shutdown' and forgets it", async () => {
    const dyn = track(await DynamicSupervisor.start());
    const a = (await DynamicSupervisor.startChild(dyn, worker('a')))!;
    const b = (await DynamicSupervisor.startChild(dyn, worker('b')))!;
    await DynamicSupervisor.terminateChild(dyn, a);
    expect(GenServer.isAlive(a)).to.equal(false);
    expect(terminateReasons.get('a')).to.equal('shutdown');
    await settled(dyn);
    expect(refsOf(dyn)).to.deep.equal([b]);
  });

  it('terminateChild() rejects a ref that is not its child with ChildNotFoundError { supervisor, id }', async () => {
    const dyn = track(await DynamicSupervisor.start());
    const a = (await DynamicSupervisor.startChild(dyn, worker('a')))!;
    await DynamicSupervisor.terminateChild(dyn, a);
    const loner = track(await Worker.start({ id: 'loner' }));
    for (const ref of [a, loner]) {
      const error = await rejectionOf(DynamicSupervisor.terminateChild(dyn, ref));
      expect(error).to.be.instanceOf(ChildNotFoundError).and.to.include({ supervisor: dyn, id: ref });
    }
    expect(GenServer.isAlive(loner)).to.equal(true);
  });

  it('startChild() rejects with ChildStartError when the child fails to start, and keeps nothing', async () => {
    const dyn = track(await DynamicSupervisor.start());
    const error = await rejectionOf(DynamicSupervisor.startChild(dyn, worker('x', { failInit: true })));
    expect(error).to.be.instanceOf(ChildStartError).and.to.include({ id: 'x' });
    expect(DynamicSupervisor.countChildren(dyn).specs).to.equal(0);
  });

  it('applies the shutdown value of each child', async () => {
    const dyn = track(await DynamicSupervisor.start());
    const a = (await DynamicSupervisor.startChild(dyn, worker('a', { shutdown: 'brutal_kill' })))!;
    const b = (await DynamicSupervisor.startChild(dyn, worker('b', { terminate: 'hang', shutdown: 50 })))!;
    await DynamicSupervisor.terminateChild(dyn, a);
    await DynamicSupervisor.terminateChild(dyn, b);
    expect(events).to.deep.equal(['start a', 'start b', 'stop b']);
    expect([await GenServer.awaitExit(a), await GenServer.awaitExit(b)]).to.deep.equal(['killed', 'killed']);
  });

  it("accepts strategy: 'one_for_one', its only strategy, and rejects any other with an ArgumentError", async () => {
    const dyn = track(await DynamicSupervisor.start({ strategy: 'one_for_one', maxChildren: 5 }));
    expect(await DynamicSupervisor.startChild(dyn, worker('a'))).to.be.instanceOf(ServerRef);
    const error = await rejectionOf(DynamicSupervisor.start({ strategy: 'one_for_all' as 'one_for_one' }));
    expect(error).to.be.instanceOf(ArgumentError).and.to.include({ argument: 'options.strategy', value: 'one_for_all' });
  });

  it("GenServer.exit(dyn, 'shutdown') from outside any server stops its children and exits 'shutdown'", async () => {
    const dyn = await DynamicSupervisor.start();
    const a = (await DynamicSupervisor.startChild(dyn, worker('a')))!;
    const b = (await DynamicSupervisor.startChild(dyn, worker('b')))!;
    GenServer.exit(dyn, 'shutdown');
    expect(await GenServer.awaitExit(dyn)).to.equal('shutdown');
    expect(events.filter((e) => e.startsWith('stop ')).sort()).to.deep.equal(['stop a', 'stop b']);
    expect([terminateReasons.get('a'), terminateReasons.get('b')]).to.deep.equal(['shutdown', 'shutdown']);
    expect([a, b].some((r) => GenServer.isAlive(r))).to.equal(false);
  });

  it('runs under a Supervisor as [DynamicSupervisor, options], of type supervisor', async () => {
    const sup = track(await Supervisor.start([[DynamicSupervisor, { name: 'workers_sup' }]]));
    expect(Supervisor.whichChildren(sup)).to.deep.equal([{ id: 'workers_sup', ref: GenServer.whereis('workers_sup'), type: 'supervisor' }]);
    await DynamicSupervisor.startChild('workers_sup', worker('a'));
    events.length = 0;
    await GenServer.stop(sup);
    expect(events).to.deep.equal(['stop a']);
  });
});

describe('DynamicSupervisor maxChildren', () => {
  const track = trackServers();
  captureLogs();
  recordEvents();

  it('rejects a child beyond maxChildren with MaxChildrenError, without starting it', async () => {
    const dyn = track(await DynamicSupervisor.start({ maxChildren: 2 }));
    const a = (await DynamicSupervisor.startChild(dyn, worker('a')))!;
    await DynamicSupervisor.startChild(dyn, worker('b'));
    const error = await rejectionOf(DynamicSupervisor.startChild(dyn, worker('c')));
    expect(error).to.be.instanceOf(MaxChildrenError).and.to.include({ supervisor: dyn, maxChildren: 2 });
    expect(events, 'no init ran for c').to.deep.equal(['start a', 'start b']);

    await DynamicSupervisor.terminateChild(dyn, a);
    expect(await DynamicSupervisor.startChild(dyn, worker('c'))).to.be.instanceOf(ServerRef);
  });

  it('still restarts a crashed child when full: the restart takes its place', async () => {
    const dyn = track(await DynamicSupervisor.start({ maxChildren: 1 }));
    const a = (await DynamicSupervisor.startChild(dyn, worker('a')))!;
    await exitChild(a, 'crash');
    await settled(dyn);
    expect(DynamicSupervisor.countChildren(dyn)).to.include({ specs: 1, active: 1 });
  });

  it('counts a child whose restart is pending against maxChildren', async () => {
    const dyn = track(await DynamicSupervisor.start({ maxChildren: 1 }));
    const a = stubborn('a');
    const first = (await DynamicSupervisor.startChild(dyn, a.spec))!;
    await exitChild(first, 'crash');
    await a.attempt(2);
    const refused = DynamicSupervisor.startChild(dyn, worker('x'));
    a.release(); // fails: the child waits for its retry, still counted
    expect(await rejectionOf(refused)).to.be.instanceOf(MaxChildrenError);
    await a.attempt(3);
    a.failing = false;
    a.release();
    await eventually('a runs again', () => DynamicSupervisor.countChildren(dyn).active === 1, 5000);
    expect(events).to.not.include('start x');
  });

  it('rejects an invalid maxChildren with an ArgumentError', async () => {
    const error = await rejectionOf(DynamicSupervisor.start({ maxChildren: -1 }));
    expect(error).to.be.instanceOf(ArgumentError).and.to.include({ argument: 'options.maxChildren' });
  });
});

describe('DynamicSupervisor restarts', () => {
  const track = trackServers();
  captureLogs();
  recordEvents();

  const cases: [Restart, how: unknown, restarted: boolean][] = [
    ['permanent', 'crash', true],
    ['permanent', 'normal', true],
    ['transient', 'crash', true],
    ['transient', 'normal', false],
    ['transient', { shutdown: 'bye' }, false],
    ['temporary', 'crash', false],
    ['temporary', 'kill', false],
  ];

  for (const [restart, how, restarted] of cases) {
    const label = how === 'crash' ? 'a crash' : how === 'kill' ? "'killed'" : typeof how === 'string' ? `'${how}'` : "{ shutdown: 'bye' }";
    it(`${restarted ? 'restarts' : 'forgets'} a ${restart} child that exits with ${label}`, async () => {
      const dyn = track(await DynamicSupervisor.start());
      const a = (await DynamicSupervisor.startChild(dyn, worker('a', { restart })))!;
      const b = (await DynamicSupervisor.startChild(dyn, worker('b')))!;
      await exitChild(a, how);
      await settled(dyn);
      const refs = refsOf(dyn);
      expect(refs).to.include(b).and.not.include(a);
      expect(refs).to.have.length(restarted ? 2 : 1);
      expect(events.filter((e) => e === 'start a')).to.have.length(restarted ? 2 : 1);
      if (restarted) expect(refs.every((r) => GenServer.isAlive(r))).to.equal(true);
    });
  }

  it("keeps a child whose restart is pending or has failed counted and listed as 'restarting' until it runs again", async () => {
    const dyn = track(await DynamicSupervisor.start({ maxRestarts: 10 }));
    const a = stubborn('a');
    const first = (await DynamicSupervisor.startChild(dyn, a.spec))!;
    const b = (await DynamicSupervisor.startChild(dyn, worker('b')))!;
    const restarting = () => {
      expect(DynamicSupervisor.whichChildren(dyn)).to.have.deep.members([
        { id: undefined, ref: b, type: 'worker' },
        { id: undefined, ref: 'restarting', type: 'worker' },
      ]);
      expect(DynamicSupervisor.countChildren(dyn)).to.deep.equal({ specs: 2, active: 1, supervisors: 0, workers: 2 });
    };
    await exitChild(first, 'crash');
    await a.attempt(2);
    restarting();
    a.release(); // the restart fails: retried
    await a.attempt(3);
    restarting();
    a.failing = false;
    a.release();
    await eventually('a runs again', () => DynamicSupervisor.countChildren(dyn).active === 2, 5000);
    expect(refsOf(dyn)).to.include(b).and.not.include(first);
    expect(DynamicSupervisor.countChildren(dyn).specs).to.equal(2);
  });

  it('terminateChild() of a child whose restart failed (by the ref it had) removes it and stops the retries', async () => {
    const dyn = track(await DynamicSupervisor.start({ maxRestarts: 10 }));
    const a = stubborn('a');
    const first = (await DynamicSupervisor.startChild(dyn, a.spec))!;
    const b = (await DynamicSupervisor.startChild(dyn, worker('b')))!;
    await exitChild(first, 'crash');
    await a.attempt(2);
    const terminated = DynamicSupervisor.terminateChild(dyn, first);
    a.release(); // fails; the retry is queued behind the terminateChild call
    await terminated;
    await settled(dyn);
    expect(a.attempts).to.equal(2);
    expect(a.held).to.equal(undefined);
    expect(refsOf(dyn)).to.deep.equal([b]);
    expect(DynamicSupervisor.countChildren(dyn)).to.include({ specs: 1, active: 1 });
    const error = await rejectionOf(DynamicSupervisor.terminateChild(dyn, first));
    expect(error).to.be.instanceOf(ChildNotFoundError);
  });

  it("stops its children and exits with 'shutdown' after more than maxRestarts restarts within maxSeconds", async () => {
    const dyn = track(await DynamicSupervisor.start({ maxRestarts: 1 }));
    await DynamicSupervisor.startChild(dyn, worker('a'));
    const b = (await DynamicSupervisor.startChild(dyn, worker('b')))!;
    await exitChild(b, 'crash');
    await settled(dyn);
    await exitChild(refsOf(dyn)[1], 'crash');
    expect(await GenServer.awaitExit(dyn)).to.equal('shutdown');
    expect(started.some((r) => GenServer.isAlive(r))).to.equal(false);
  });
});

describe('DynamicSupervisor shutdown', () => {
  const track = trackServers();
  recordEvents();

  it('stops its children concurrently: every terminate begins before any has finished', async () => {
    const release = gate();
    const dyn = await DynamicSupervisor.start();
    for (let i = 0; i < 5; i++) await DynamicSupervisor.startChild(dyn, worker(`w${i}`, { terminate: release.promise }));
    const stopping = GenServer.stop(dyn);
    // One at a time, the first terminate would wait for a gate that only opens once all five began.
    await eventually('all five terminates have begun', () => events.filter((e) => e.startsWith('stop ')).length === 5, 1000).finally(() =>
      release.open(),
    );
    await stopping;
    expect(events.filter((e) => e.startsWith('stopped '))).to.have.length(5);
    expect(started.some((r) => GenServer.isAlive(r))).to.equal(false);
  });

  it('so 5 children whose terminate takes 300 ms stop in well under 5 x 300 ms', async () => {
    const dyn = track(await DynamicSupervisor.start());
    for (let i = 0; i < 5; i++) await DynamicSupervisor.startChild(dyn, worker(`w${i}`, { terminate: 300 }));
    const t0 = performance.now();
    await GenServer.stop(dyn);
    const elapsed = performance.now() - t0;
    expect(elapsed).to.be.at.least(290).and.below(1000); // one at a time: 1500 ms at least
    expect(events.filter((e) => e.startsWith('stopped '))).to.have.length(5);
  });
});

describe('DynamicSupervisor under load', () => {
  const track = trackServers();
  const logs = captureLogs();

  it('keeps its counts right with 10,000 children of which 300 crash, and leaves nothing running after stop', async function () {
    this.timeout(60000);
    const total = 10_000;
    const dyn = track(await DynamicSupervisor.start({ maxRestarts: 1000, maxSeconds: 60 }));
    const first = (await Promise.all(
      Array.from({ length: total }, (_, i) => DynamicSupervisor.startChild(dyn, [Light, i])),
    )) as ServerRef[];
    expect(new Set(first).size).to.equal(total);
    expect(DynamicSupervisor.countChildren(dyn)).to.deep.equal({ specs: total, active: total, supervisors: 0, workers: total });

    const crashing = first.filter((_, i) => i % 33 === 0).slice(0, 300);
    for (const ref of crashing) GenServer.cast(ref, 'crash');
    await Promise.all(crashing.map((ref) => GenServer.awaitExit(ref)));
    await settled(dyn);

    expect(DynamicSupervisor.countChildren(dyn)).to.deep.equal({ specs: total, active: total, supervisors: 0, workers: total });
    const now = refsOf(dyn);
    expect(new Set(now).size).to.equal(total);
    expect(now.every((r) => GenServer.isAlive(r))).to.equal(true);
    const gone = new Set(crashing);
    expect(now.filter((r) => gone.has(r))).to.deep.equal([]);
    expect(logs.filter((l) => l.level === 'error' && l.message.includes('crashed on purpose'))).to.have.length(300);

    await GenServer.stop(dyn);
    expect([...first, ...now].filter((r) => GenServer.isAlive(r))).to.deep.equal([]);
  });
});
