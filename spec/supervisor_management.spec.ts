import { expect } from 'chai';
import {
  ArgumentError,
  ChildNotFoundError,
  ChildRunningError,
  ChildStartError,
  DuplicateChildError,
  GenServer,
  NoProcError,
  ServerRef,
  Supervisor,
  type ChildSpec,
} from '../lib';
import { captureLogs, rejectionOf, trackServers } from './support/helpers';
import { Worker, events, exitChild, recordEvents, refOf, settled, started, terminateReasons, worker } from './support/supervision';

// Fixtures: Worker and worker(id, options) from ./support/supervision. A worker writes `start <id>`
// and `stop <id>` into `events`. Strategies, order, shutdown and nesting: supervisor.spec.ts.

const abc = (): ChildSpec[] => [worker('a'), worker('b'), worker('c')];

describe('Supervisor management functions', () => {
  const track = trackServers();
  captureLogs();
  recordEvents();

  it('whichChildren() lists { id, ref, type } in start order, synchronously', async () => {
    const sup = track(await Supervisor.start(abc()));
    const rows = Supervisor.whichChildren(sup);
    expect(rows).to.be.an('array');
    expect(rows).to.deep.equal(['a', 'b', 'c'].map((id, i) => ({ id, ref: started[i], type: 'worker' })));
  });

  it('countChildren() counts specs, running children, supervisors and workers, synchronously', async () => {
    const sup = track(await Supervisor.start([...abc(), [Supervisor, [[worker('d')], { name: 'inner_sup' }]]]));
    expect(Supervisor.countChildren(sup)).to.deep.equal({ specs: 4, active: 4, supervisors: 1, workers: 3 });
    await Supervisor.terminateChild(sup, 'b');
    expect(Supervisor.countChildren(sup)).to.deep.equal({ specs: 4, active: 3, supervisors: 1, workers: 3 });
  });

  it('startChild() starts a child after the others, linked and supervised like them', async () => {
    const sup = track(await Supervisor.start([worker('a')]));
    const d = await Supervisor.startChild(sup, worker('d'));
    expect(d).to.be.instanceOf(ServerRef).and.equal(refOf(sup, 'd'));
    expect(Supervisor.whichChildren(sup).map((c) => c.id)).to.deep.equal(['a', 'd']);
    await exitChild(d!, 'crash');
    await settled(sup);
    expect(refOf(sup, 'd')).to.not.equal(d);
  });

  it('startChild() rejects a taken id with DuplicateChildError { supervisor, id, ref }, starting nothing', async () => {
    const sup = track(await Supervisor.start([worker('a')]));
    const error = await rejectionOf(Supervisor.startChild(sup, worker('a')));
    expect(error)
      .to.be.instanceOf(DuplicateChildError)
      .and.to.include({ supervisor: sup, id: 'a', ref: refOf(sup, 'a') });
    expect(events).to.deep.equal(['start a']);
  });

  it('startChild() rejects with ChildStartError when the child fails, and does not keep it', async () => {
    const sup = track(await Supervisor.start([worker('a')]));
    const error = await rejectionOf(Supervisor.startChild(sup, worker('x', { failInit: true })));
    expect(error).to.be.instanceOf(ChildStartError).and.to.include({ id: 'x' });
    expect(Supervisor.whichChildren(sup).map((c) => c.id)).to.deep.equal(['a']);
  });

  it("terminateChild() stops a child with 'shutdown' and keeps its spec; it is not restarted", async () => {
    const sup = track(await Supervisor.start(abc()));
    const b = refOf(sup, 'b');
    await Supervisor.terminateChild(sup, 'b');
    expect(GenServer.isAlive(b)).to.equal(false);
    expect(terminateReasons.get('b')).to.equal('shutdown');
    await settled(sup);
    expect(Supervisor.whichChildren(sup)[1]).to.deep.equal({ id: 'b', ref: undefined, type: 'worker' });
    expect(events.filter((e) => e === 'start b')).to.have.length(1);
    await Supervisor.terminateChild(sup, 'b'); // already stopped: nothing to do
  });

  it("terminateChild() forgets a temporary child's spec", async () => {
    const sup = track(await Supervisor.start([worker('a', { restart: 'temporary' }), worker('b')]));
    await Supervisor.terminateChild(sup, 'a');
    expect(Supervisor.whichChildren(sup).map((c) => c.id)).to.deep.equal(['b']);
  });

  it('restartChild() starts a stopped child again, in its place', async () => {
    const sup = track(await Supervisor.start(abc()));
    const b = refOf(sup, 'b');
    await Supervisor.terminateChild(sup, 'b');
    const again = await Supervisor.restartChild(sup, 'b');
    expect(again).to.be.instanceOf(ServerRef).and.not.equal(b);
    expect(Supervisor.whichChildren(sup).map((c) => c.ref)).to.deep.equal([refOf(sup, 'a'), again, refOf(sup, 'c')]);
  });

  it('restartChild() rejects a running child with ChildRunningError { supervisor, id, ref }', async () => {
    const sup = track(await Supervisor.start(abc()));
    const error = await rejectionOf(Supervisor.restartChild(sup, 'b'));
    expect(error)
      .to.be.instanceOf(ChildRunningError)
      .and.to.include({ supervisor: sup, id: 'b', ref: refOf(sup, 'b') });
  });

  it('deleteChild() removes a stopped child, which is then gone for good', async () => {
    const sup = track(await Supervisor.start(abc()));
    await Supervisor.terminateChild(sup, 'b');
    await Supervisor.deleteChild(sup, 'b');
    expect(Supervisor.whichChildren(sup).map((c) => c.id)).to.deep.equal(['a', 'c']);
    expect(await rejectionOf(Supervisor.restartChild(sup, 'b'))).to.be.instanceOf(ChildNotFoundError);
    await Supervisor.startChild(sup, worker('b')); // the id is free again
  });

  it('deleteChild() rejects a running child with ChildRunningError', async () => {
    const sup = track(await Supervisor.start(abc()));
    const error = await rejectionOf(Supervisor.deleteChild(sup, 'a'));
    expect(error)
      .to.be.instanceOf(ChildRunningError)
      .and.to.include({ id: 'a', ref: refOf(sup, 'a') });
    expect(Supervisor.countChildren(sup).specs).to.equal(3);
  });

  for (const fn of ['terminateChild', 'restartChild', 'deleteChild'] as const) {
    it(`${fn}() rejects an unknown id with ChildNotFoundError { supervisor, id }`, async () => {
      const sup = track(await Supervisor.start(abc()));
      const error = await rejectionOf(Supervisor[fn](sup, 'zz'));
      expect(error).to.be.instanceOf(ChildNotFoundError).and.to.include({ supervisor: sup, id: 'zz' });
      expect((error as Error).message).to.include("'zz'");
    });
  }

  it('reject a supervisor that is not alive with NoProcError, and a server that is no supervisor with ArgumentError', async () => {
    const sup = await Supervisor.start([worker('a')]);
    const a = refOf(sup, 'a');
    await GenServer.stop(sup);
    expect(() => Supervisor.whichChildren(sup)).to.throw(NoProcError);
    expect(await rejectionOf(Supervisor.startChild(sup, worker('b')))).to.be.instanceOf(NoProcError);
    const loner = track(await Worker.start({ id: 'loner' }));
    expect(() => Supervisor.countChildren(loner)).to.throw(ArgumentError);
    expect(GenServer.isAlive(a)).to.equal(false);
  });
});
