import { expect } from 'chai';
import { GenServer, ServerRef, Supervisor, type ChildSpec, type Restart } from '../lib';
import { captureLogs, sleep, trackServers } from './support/helpers';
import { Worker, events, eventually, exitChild, recordEvents, refsOf, settled, started, worker } from './support/supervision';

// Fixtures: Worker and worker(id, options) from ./support/supervision. A worker writes `start <id>`
// and `stop <id>` into `events`; exitChild(ref, how) makes it crash, stop with a reason, or be killed.

/** How a child is made to exit (see exitChild), and a check of the exit reason it gives. */
const exits: [label: string, how: unknown, reason: (r: unknown) => void][] = [
  ['a crash', 'crash', (r) => expect(r).to.be.instanceOf(Error)],
  ["'normal'", 'normal', (r) => expect(r).to.equal('normal')],
  ["'shutdown'", 'shutdown', (r) => expect(r).to.equal('shutdown')],
  ["{ shutdown: 'bye' }", { shutdown: 'bye' }, (r) => expect(r).to.deep.equal({ shutdown: 'bye' })],
  ["'killed' (GenServer.exit(ref, 'kill'))", 'kill', (r) => expect(r).to.equal('killed')],
];

/** Whether each restart value restarts a child after each of `exits`, in order. */
const restartedAfter: Record<Restart, boolean[]> = {
  permanent: [true, true, true, true, true],
  transient: [true, false, false, false, true],
  temporary: [false, false, false, false, false],
};

describe('Supervisor restart values', () => {
  const track = trackServers();
  captureLogs();
  recordEvents();

  for (const restart of ['permanent', 'transient', 'temporary'] as const) {
    exits.forEach(([label, how, checkReason], i) => {
      const restarted = restartedAfter[restart][i];
      const outcome = restarted
        ? 'is restarted'
        : restart === 'temporary'
          ? 'is removed from the children'
          : 'stays stopped, its spec kept';
      it(`a ${restart} child that exits with ${label} ${outcome}`, async () => {
        const sup = track(await Supervisor.start([worker('a', { restart }), worker('b')]));
        const before = refsOf(sup);
        checkReason(await exitChild(before.a, how));
        await settled(sup);

        const rows = Supervisor.whichChildren(sup);
        if (restarted) {
          expect(rows.map((r) => r.id)).to.deep.equal(['a', 'b']);
          expect(rows[0].ref).to.be.instanceOf(ServerRef).and.not.equal(before.a);
          expect(GenServer.isAlive(rows[0].ref as ServerRef)).to.equal(true);
          expect(events.filter((e) => e === 'start a')).to.have.length(2);
        } else if (restart === 'temporary') {
          expect(rows).to.deep.equal([{ id: 'b', ref: before.b, type: 'worker' }]);
        } else {
          expect(rows).to.deep.equal([
            { id: 'a', ref: undefined, type: 'worker' },
            { id: 'b', ref: before.b, type: 'worker' },
          ]);
          expect(Supervisor.countChildren(sup)).to.deep.equal({ specs: 2, active: 1, supervisors: 0, workers: 2 });
        }
        expect(refsOf(sup).b, 'the sibling is untouched').to.equal(before.b);
        expect(GenServer.isAlive(sup)).to.equal(true);
      });
    });
  }

  it('restarts a child with the same spec: the same id, start function and arguments', async () => {
    const sup = track(await Supervisor.start([worker('a')]));
    await exitChild(refsOf(sup).a, 'crash');
    await settled(sup);
    expect(await GenServer.call(refsOf(sup).a, 'id')).to.equal('a');
  });
});

describe('Supervisor restart intensity', () => {
  const track = trackServers();
  const logs = captureLogs();
  recordEvents();

  it('restarts up to maxRestarts (default 3) times within maxSeconds (default 5) and runs on', async () => {
    const sup = track(await Supervisor.start([worker('a'), worker('b')]));
    for (let i = 0; i < 3; i++) {
      await exitChild(refsOf(sup).a, 'crash');
      await settled(sup);
    }
    expect(GenServer.isAlive(sup)).to.equal(true);
    expect(Supervisor.countChildren(sup)).to.include({ specs: 2, active: 2 });
    expect(events.filter((e) => e === 'start a')).to.have.length(4);
  });

  it("one restart too many stops the children in reverse order, then the supervisor with reason 'shutdown'", async () => {
    const sup = track(await Supervisor.start([worker('a'), worker('b'), worker('c')], { maxRestarts: 1 }));
    await exitChild(refsOf(sup).b, 'crash');
    await settled(sup);
    const { a, b, c } = refsOf(sup);
    events.length = 0;

    GenServer.cast(b, 'crash');
    expect(await GenServer.awaitExit(sup)).to.equal('shutdown');
    expect(events).to.deep.equal(['stop b', 'stop c', 'stop a']);
    expect([a, b, c].map((r) => GenServer.isAlive(r))).to.deep.equal([false, false, false]);
    expect(started.every((r) => !GenServer.isAlive(r))).to.equal(true);
    const report = logs.find((l) => l.level === 'error' && /more than 1 restarts in 5 s/.test(l.message));
    expect(report?.message).to.include("child 'b'");
  });

  it('with maxRestarts 0, stops at the first exit that calls for a restart', async () => {
    const sup = track(await Supervisor.start([worker('a', { restart: 'transient' })], { maxRestarts: 0 }));
    await exitChild(refsOf(sup).a, 'normal');
    await settled(sup);
    expect(GenServer.isAlive(sup), 'a clean exit of a transient child is no restart').to.equal(true);
    await Supervisor.restartChild(sup, 'a');
    await exitChild(refsOf(sup).a, 'crash');
    expect(await GenServer.awaitExit(sup)).to.equal('shutdown');
  });

  it('forgets restarts older than maxSeconds', async () => {
    const sup = track(await Supervisor.start([worker('a')], { maxRestarts: 1, maxSeconds: 0.1 }));
    await exitChild(refsOf(sup).a, 'crash');
    await settled(sup);
    await sleep(250); // well past the 100 ms window
    await exitChild(refsOf(sup).a, 'crash');
    await settled(sup);
    expect(GenServer.isAlive(sup)).to.equal(true);
    expect(events.filter((e) => e === 'start a')).to.have.length(3);
  });

  it('frees the name of a supervisor that gave up', async () => {
    const sup = track(await Supervisor.start([worker('a')], { maxRestarts: 0, name: 'giving_up_sup' }));
    await exitChild(refsOf(sup).a, 'crash');
    await GenServer.awaitExit(sup);
    expect(GenServer.whereis('giving_up_sup')).to.equal(undefined);
  });

  /** A child whose start fails while `failures` is above 0 (each failure counts it down). */
  function flaky(id: string, failures: { left: number }): ChildSpec {
    return { id, start: () => Worker.startLink({ id, failInit: failures.left-- > 0 }) };
  }

  it("retries a child whose restart failed, showing it as 'restarting' until it runs again", async () => {
    const failures = { left: 0 };
    const sup = track(await Supervisor.start([flaky('a', failures), worker('b')]));
    failures.left = 1;
    await exitChild(refsOf(sup).a, 'crash');
    await settled(sup); // the exit is handled: the restart failed, and the retry is queued behind it
    expect(Supervisor.whichChildren(sup)[0]).to.deep.equal({ id: 'a', ref: 'restarting', type: 'worker' });
    expect(Supervisor.countChildren(sup)).to.include({ specs: 2, active: 1 });
    await eventually('a runs again', () => refsOf(sup).a !== undefined);
    expect(GenServer.isAlive(sup)).to.equal(true);
    expect(logs.some((l) => l.level === 'error' && /child 'a' failed to restart/.test(l.message))).to.equal(true);
  });

  it("under 'one_for_all', retries a failed restart with the whole group again: stops the children that came back, restarts all in order", async () => {
    const failures = { left: 0 };
    const sup = track(await Supervisor.start([worker('a'), flaky('b', failures), worker('c')], { strategy: 'one_for_all' }));
    failures.left = 1;
    events.length = 0;
    await exitChild(refsOf(sup).a, 'crash');
    await eventually('all three run again', () => Object.keys(refsOf(sup)).length === 3, 5000);
    expect(events).to.deep.equal(['stop a', 'stop c', 'stop b', 'start a', 'start b', 'stop a', 'start a', 'start b', 'start c']);
    expect(Object.values(refsOf(sup)).every((r) => GenServer.isAlive(r))).to.equal(true);
    expect(started.filter((r) => GenServer.isAlive(r))).to.have.length(3);
  });

  it("under 'rest_for_one', retries a failed restart from the failed child onward", async () => {
    const failures = { left: 0 };
    const sup = track(await Supervisor.start([worker('a'), flaky('b', failures), worker('c')], { strategy: 'rest_for_one' }));
    const { a } = refsOf(sup);
    failures.left = 1;
    events.length = 0;
    await exitChild(refsOf(sup).b, 'crash');
    await eventually('b and c run again', () => Object.keys(refsOf(sup)).length === 3, 5000);
    expect(events).to.deep.equal(['stop b', 'stop c', 'start b', 'start b', 'start c']);
    expect(refsOf(sup).a).to.equal(a);
  });

  it('counts failed restarts towards the intensity, and gives up when they keep failing', async () => {
    const failures = { left: 0 };
    const sup = track(await Supervisor.start([flaky('a', failures), worker('b')]));
    const { b } = refsOf(sup);
    failures.left = Infinity;
    await exitChild(refsOf(sup).a, 'crash');
    expect(await GenServer.awaitExit(sup)).to.equal('shutdown');
    expect(GenServer.isAlive(b)).to.equal(false);
    expect(
      events.filter((e) => e === 'start a'),
      'the first start and 3 restarts',
    ).to.have.length(1 + 3);
  });
});
