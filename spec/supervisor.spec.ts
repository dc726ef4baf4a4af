import { expect } from 'chai';
import {
  AlreadyStartedError,
  ArgumentError,
  ChildStartError,
  GenServer,
  ServerRef,
  Supervisor,
  handleCall,
  reply,
  type ChildSpec,
} from '../lib';
import { captureLogs, gate, rejectionOf, sleep, trackServers } from './support/helpers';
import { events, exitChild, recordEvents, refOf, refsOf, settled, started, terminateReasons, worker } from './support/supervision';

// Fixtures: Worker and worker(id, options) from ./support/supervision. A worker writes `start <id>`
// and `stop <id>` (terminate began) and `stopped <id>` (a slow terminate ended) into `events`.
// Restart values and intensity: supervisor_restarts.spec.ts; management functions: supervisor_management.spec.ts.

const abc = (): ChildSpec[] => [worker('a'), worker('b'), worker('c')];

/** A server that starts a supervisor linked to it (its parent), and sends exit signals on request. */
class Owner extends GenServer<null> {
  @handleCall('startSupervisor')
  startSupervisor(children: ChildSpec[], s: null) {
    return reply(Supervisor.startLink(children), s);
  }

  @handleCall('exit')
  exit({ target, reason }: { target: ServerRef; reason: unknown }, s: null) {
    GenServer.exit(target, reason);
    return reply('sent', s);
  }
}

describe('Supervisor strategies', () => {
  const track = trackServers();
  captureLogs();
  recordEvents();

  it("'one_for_one' (the default) restarts only the child that exited", async () => {
    const sup = track(await Supervisor.start(abc()));
    const before = refsOf(sup);
    events.length = 0;
    await exitChild(before.b, 'crash');
    await settled(sup);
    const after = refsOf(sup);
    expect(after.a).to.equal(before.a);
    expect(after.b).to.not.equal(before.b);
    expect(after.c).to.equal(before.c);
    expect(events).to.deep.equal(['stop b', 'start b']);
  });

  it("'one_for_all' stops the others in reverse order and restarts them all in order", async () => {
    const sup = track(await Supervisor.start(abc(), { strategy: 'one_for_all' }));
    const before = refsOf(sup);
    events.length = 0;
    await exitChild(before.b, 'crash');
    await settled(sup);
    const after = refsOf(sup);
    for (const id of ['a', 'b', 'c']) expect(after[id], id).to.be.instanceOf(ServerRef).and.not.equal(before[id]);
    expect(events).to.deep.equal(['stop b', 'stop c', 'stop a', 'start a', 'start b', 'start c']);
    expect(terminateReasons.get('a')).to.equal('shutdown');
    expect([before.a, before.c].map((r) => GenServer.isAlive(r))).to.deep.equal([false, false]);
  });

  it("'rest_for_one' restarts the child that exited and those started after it", async () => {
    const sup = track(await Supervisor.start(abc(), { strategy: 'rest_for_one' }));
    const before = refsOf(sup);
    events.length = 0;
    await exitChild(before.b, 'crash');
    await settled(sup);
    const after = refsOf(sup);
    expect(after.a).to.equal(before.a);
    expect(after.b).to.not.equal(before.b);
    expect(after.c).to.be.instanceOf(ServerRef).and.not.equal(before.c);
    expect(events).to.deep.equal(['stop b', 'stop c', 'start b', 'start c']);
  });

  it("'rest_for_one' after the last child is 'one_for_one'", async () => {
    const sup = track(await Supervisor.start(abc(), { strategy: 'rest_for_one' }));
    const before = refsOf(sup);
    await exitChild(before.c, 'crash');
    await settled(sup);
    expect(refsOf(sup)).to.include({ a: before.a, b: before.b }).and.not.include({ c: before.c });
  });

  it('does not restart a temporary sibling that was stopped with the others', async () => {
    const sup = track(await Supervisor.start([worker('a', { restart: 'temporary' }), worker('b')], { strategy: 'one_for_all' }));
    const before = refsOf(sup);
    await exitChild(before.b, 'crash');
    await settled(sup);
    expect(GenServer.isAlive(before.a)).to.equal(false);
    expect(Supervisor.whichChildren(sup).map((c) => c.id)).to.deep.equal(['b']);
  });

  it('rejects an unknown strategy with an ArgumentError', async () => {
    const error = await rejectionOf(Supervisor.start(abc(), { strategy: 'all_for_one' as 'one_for_all' }));
    expect(error).to.be.instanceOf(ArgumentError).and.to.include({ argument: 'options.strategy' });
    expect(events).to.deep.equal([]);
  });
});

describe('Supervisor start and stop order', () => {
  const track = trackServers();
  recordEvents();

  it('starts the children in order, and resolves once all are running', async () => {
    const sup = track(await Supervisor.start(abc()));
    expect(events).to.deep.equal(['start a', 'start b', 'start c']);
    expect(Supervisor.whichChildren(sup).map((c) => c.id)).to.deep.equal(['a', 'b', 'c']);
    expect(started.map((r) => GenServer.isAlive(r))).to.deep.equal([true, true, true]);
  });

  it('links each child to the supervisor', async () => {
    const sup = track(await Supervisor.start(abc()));
    const info = GenServer.info(refOf(sup, 'a'));
    expect(info.links).to.include(sup);
  });

  it("stops the children in reverse order, each with reason 'shutdown', before the supervisor exits", async () => {
    const sup = await Supervisor.start([worker('a'), worker('b', { terminate: 20 }), worker('c')]);
    events.length = 0;
    await GenServer.stop(sup);
    expect(events).to.deep.equal(['stop c', 'stop b', 'stopped b', 'stop a']);
    expect([...terminateReasons.values()]).to.deep.equal(['shutdown', 'shutdown', 'shutdown']);
    expect(started.some((r) => GenServer.isAlive(r))).to.equal(false);
  });
});

describe('Supervisor exit signals', () => {
  const track = trackServers();
  captureLogs();
  recordEvents();

  it("GenServer.exit(sup, 'shutdown') from outside any server stops its children in reverse order, then it exits 'shutdown'", async () => {
    const sup = track(await Supervisor.start(abc()));
    events.length = 0;
    GenServer.exit(sup, 'shutdown');
    expect(await GenServer.awaitExit(sup)).to.equal('shutdown');
    expect(events).to.deep.equal(['stop c', 'stop b', 'stop a']);
    expect([...terminateReasons.values()]).to.deep.equal(['shutdown', 'shutdown', 'shutdown']);
    expect(started.some((r) => GenServer.isAlive(r))).to.equal(false);
  });

  it("GenServer.exit(sup, 'shutdown') from its parent does the same, as Process.exit(sup, :shutdown) does in OTP", async () => {
    const owner = track(await Owner.start(null));
    const sup = track((await GenServer.call(owner, 'startSupervisor', abc())) as ServerRef);
    events.length = 0;
    const exited = GenServer.awaitExit(sup);
    await GenServer.call(owner, 'exit', { target: sup, reason: 'shutdown' });
    expect(await exited).to.equal('shutdown');
    expect(events).to.deep.equal(['stop c', 'stop b', 'stop a']);
  });

  it('ignores an exit signal from a server that is neither its parent nor its child, as OTP does', async () => {
    const sup = track(await Supervisor.start(abc()));
    const stranger = track(await Owner.start(null));
    const before = refsOf(sup);
    await GenServer.call(stranger, 'exit', { target: sup, reason: 'shutdown' });
    await settled(sup);
    expect(GenServer.isAlive(sup)).to.equal(true);
    expect(refsOf(sup)).to.deep.equal(before);
  });
});

describe('Supervisor shutdown values', () => {
  const track = trackServers();
  recordEvents();

  it("a number: runs terminate with 'shutdown' and waits for it to finish", async () => {
    const sup = track(await Supervisor.start([worker('a', { terminate: 50, shutdown: 5000 })]));
    const a = refOf(sup, 'a');
    await Supervisor.terminateChild(sup, 'a');
    expect(events).to.deep.equal(['start a', 'stop a', 'stopped a']);
    expect(await GenServer.awaitExit(a)).to.equal('shutdown');
  });

  it('a number: kills the child when terminate outlasts it', async () => {
    const sup = track(await Supervisor.start([worker('a', { terminate: 'hang', shutdown: 50 })]));
    const a = refOf(sup, 'a');
    const t0 = performance.now();
    await Supervisor.terminateChild(sup, 'a');
    expect(performance.now() - t0).to.be.below(2000);
    expect(events).to.deep.equal(['start a', 'stop a']);
    expect(await GenServer.awaitExit(a)).to.equal('killed');
  });

  it("'brutal_kill': kills the child at once, without terminate", async () => {
    const sup = track(await Supervisor.start([worker('a', { shutdown: 'brutal_kill' })]));
    const a = refOf(sup, 'a');
    await Supervisor.terminateChild(sup, 'a');
    expect(events).to.deep.equal(['start a']);
    expect(await GenServer.awaitExit(a)).to.equal('killed');
  });

  it("'infinity': waits for terminate however long it takes", async () => {
    const done = gate();
    const sup = track(await Supervisor.start([worker('a', { terminate: done.promise, shutdown: 'infinity' })]));
    const a = refOf(sup, 'a');
    let resolved = false;
    const stopping = Supervisor.terminateChild(sup, 'a').then(() => (resolved = true));
    await sleep(200); // four times a 50 ms shutdown
    expect(resolved).to.equal(false);
    expect(GenServer.info(a).status).to.equal('terminating');
    done.open();
    await stopping;
    expect(events).to.deep.equal(['start a', 'stop a', 'stopped a']);
    expect(await GenServer.awaitExit(a)).to.equal('shutdown');
  });

  it('apply when the supervisor itself stops', async () => {
    const sup = await Supervisor.start([worker('a', { terminate: 'hang', shutdown: 50 }), worker('b', { shutdown: 'brutal_kill' })]);
    const { a, b } = refsOf(sup);
    await GenServer.stop(sup);
    expect(await GenServer.awaitExit(a)).to.equal('killed');
    expect(await GenServer.awaitExit(b)).to.equal('killed');
    expect(events).to.deep.equal(['start a', 'start b', 'stop a']);
  });
});

describe('Supervisor start failure', () => {
  const track = trackServers();
  captureLogs();
  recordEvents();

  it('stops the children already started, in reverse order, and rejects with ChildStartError naming the child and the cause', async () => {
    const error = await rejectionOf(
      Supervisor.start([worker('a'), worker('b'), worker('c', { failInit: true }), worker('d')], { name: 'failing_sup' }),
    );
    expect(error).to.be.instanceOf(ChildStartError).and.to.include({ id: 'c' });
    const cause = (error as ChildStartError).reason;
    expect(cause).to.be.instanceOf(Error).and.to.have.property('message', 'c cannot start');
    expect((error as Error).cause).to.equal(cause);
    expect((error as Error).message)
      .to.include("'c'")
      .and.to.include('c cannot start');
    expect(events).to.deep.equal(['start a', 'start b', 'start c', 'stop b', 'stop a']);
    expect(started.some((r) => GenServer.isAlive(r))).to.equal(false);
    expect(GenServer.whereis('failing_sup')).to.equal(undefined);
  });

  it('treats a start function that throws, or resolves to something other than a ref, as a failed start', async () => {
    const throws: ChildSpec = {
      id: 'throws',
      start: () => {
        throw new Error('no luck');
      },
    };
    const bad = { id: 'bad', start: () => Promise.resolve('not a ref') } as unknown as ChildSpec;
    const e1 = await rejectionOf(Supervisor.start([worker('a'), throws]));
    expect(e1).to.be.instanceOf(ChildStartError).and.to.include({ id: 'throws' });
    const e2 = await rejectionOf(Supervisor.start([worker('b'), bad]));
    expect(e2).to.be.instanceOf(ChildStartError).and.to.include({ id: 'bad' });
    expect((e2 as ChildStartError).reason).to.be.instanceOf(ArgumentError);
    expect(started.some((r) => GenServer.isAlive(r))).to.equal(false);
  });

  it('keeps a child whose start resolves to undefined (ignored) with no ref', async () => {
    const sup = track(await Supervisor.start([{ id: 'ignored', start: async () => undefined }, worker('a')]));
    expect(Supervisor.whichChildren(sup)[0]).to.deep.equal({ id: 'ignored', ref: undefined, type: 'worker' });
    expect(Supervisor.countChildren(sup)).to.deep.equal({ specs: 2, active: 1, supervisors: 0, workers: 2 });
  });
});

describe('Nested supervisors', () => {
  const track = trackServers();
  captureLogs();
  recordEvents();

  /** outer: a, inner (b, c), d */
  async function tree() {
    const outer = track(
      await Supervisor.start([worker('a'), [Supervisor, [[worker('b'), worker('c')], { name: 'inner', maxRestarts: 1 }]], worker('d')], {
        name: 'outer',
      }),
    );
    return { outer, inner: refOf(outer, 'inner') };
  }

  it("run a supervisor as a child of type 'supervisor', its id its name", async () => {
    const { outer, inner } = await tree();
    expect(Supervisor.whichChildren(outer)[1]).to.deep.equal({ id: 'inner', ref: inner, type: 'supervisor' });
    expect(GenServer.whereis('inner')).to.equal(inner);
    expect(Supervisor.whichChildren(inner).map((c) => c.id)).to.deep.equal(['b', 'c']);
    expect(events).to.deep.equal(['start a', 'start b', 'start c', 'start d']);
  });

  it('restart a crashed child inside the inner supervisor, leaving the outer one untouched', async () => {
    const { outer, inner } = await tree();
    const before = refsOf(outer);
    await exitChild(refOf(inner, 'b'), 'crash');
    await settled(inner);
    expect(refsOf(outer)).to.deep.equal(before);
    expect(Supervisor.countChildren(inner).active).to.equal(2);
  });

  it('restart the inner supervisor, and with it its children, when it is killed', async () => {
    const { outer, inner } = await tree();
    const b = refOf(inner, 'b');
    GenServer.exit(inner, 'kill');
    await GenServer.awaitExit(b); // the kill reached it over the link
    await settled(outer);
    const inner2 = refOf(outer, 'inner');
    expect(inner2).to.not.equal(inner);
    expect(GenServer.whereis('inner')).to.equal(inner2);
    expect(refOf(inner2, 'b')).to.not.equal(b);
  });

  it('restart an inner supervisor that gave up after too many restarts', async () => {
    const { outer, inner } = await tree();
    await exitChild(refOf(inner, 'b'), 'crash');
    await settled(inner);
    await exitChild(refOf(inner, 'b'), 'crash');
    expect(await GenServer.awaitExit(inner)).to.equal('shutdown');
    await settled(outer);
    expect(refOf(outer, 'inner')).to.not.equal(inner);
    expect(Supervisor.countChildren(refOf(outer, 'inner')).active).to.equal(2);
  });

  it('stop the whole tree depth-first, in reverse order', async () => {
    const { outer } = await tree();
    events.length = 0;
    await GenServer.stop(outer);
    expect(events).to.deep.equal(['stop d', 'stop c', 'stop b', 'stop a']);
    expect(started.some((r) => GenServer.isAlive(r))).to.equal(false);
    expect(GenServer.whereis('inner')).to.equal(undefined);
  });
});

describe('A supervisor under a name', () => {
  const track = trackServers();
  recordEvents();

  it('is found by whereis, managed by name, and frees the name when it stops', async () => {
    const sup = track(await Supervisor.start([worker('a')], { name: 'app_sup' }));
    expect(GenServer.whereis('app_sup')).to.equal(sup);
    expect(Supervisor.whichChildren('app_sup').map((c) => c.id)).to.deep.equal(['a']);
    await Supervisor.startChild('app_sup', worker('b'));
    expect(Supervisor.countChildren('app_sup').active).to.equal(2);
    const error = await rejectionOf(Supervisor.start([worker('x')], { name: 'app_sup' }));
    expect(error).to.be.instanceOf(AlreadyStartedError).and.to.include({ serverName: 'app_sup', ref: sup });
    await GenServer.stop('app_sup');
    expect(GenServer.whereis('app_sup')).to.equal(undefined);
    expect(events).to.deep.equal(['start a', 'start b', 'stop b', 'stop a']);
  });
});
