import { expect } from 'chai';
import {
  ArgumentError,
  ClassNameError,
  GenServer,
  Node,
  NodeDownError,
  NoProcError,
  ServerRef,
  Supervisor,
  handleCall,
  handleInfo,
  init,
  noreply,
  reply,
} from '../lib';
import { Echo, SlowStart, SlowStop } from './support/node_servers';
import { captureLogs, rejectionOf, sleep, trackServers } from './support/helpers';

// A worker thread that exits, throws uncaught or runs out of memory is a node down. One thread is
// killed again and again here; the pool starts it again under its name each time.

const MODULES = [require.resolve('./support/node_servers')];

class Watcher extends GenServer<unknown[]> {
  @init setup() {
    this.trapExits(true);
    return [] as unknown[];
  }
  @handleCall('link') linkTo(ref: ServerRef, s: unknown[]) {
    this.link(ref);
    return reply('ok', s);
  }
  @handleCall('monitor') monitorRef(ref: ServerRef, s: unknown[]) {
    this.monitor(ref);
    return reply('ok', s);
  }
  @handleCall('monitorNode') monitorNodeOf(node: string, s: unknown[]) {
    Node.monitor(node);
    return reply('ok', s);
  }
  @handleCall('seen') seen(_: void, s: unknown[]) {
    return reply(s, s);
  }
  @handleInfo('EXIT') exit(m: { from: unknown; reason: unknown }, s: unknown[]) {
    return noreply([...s, ['EXIT', m.from, m.reason]]);
  }
  @handleInfo('DOWN') down(m: { ref: unknown; reason: unknown }, s: unknown[]) {
    return noreply([...s, ['DOWN', m.ref, m.reason]]);
  }
  @handleInfo('nodedown') nodedown(m: { node: string }, s: unknown[]) {
    return noreply([...s, ['nodedown', m.node]]);
  }
}

async function eventually<T>(fn: () => Promise<T> | T, ok: (v: T) => boolean, ms = 60000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (ok(v) || Date.now() > end) return v;
    await sleep(25);
  }
}

describe('Node down', function () {
  this.timeout(180_000);
  let victim: string;
  const track = trackServers();
  const logs = captureLogs();

  before(async () => {
    [victim] = await Node.startThreads(1, { modules: MODULES, maxRestarts: 10, resourceLimits: { maxOldGenerationSizeMb: 384 } });
  });
  after(() => Node.stopThreads([victim]));

  /** Waits until the thread is back (the pool restarts it) and a server can start there. */
  async function backUp(): Promise<void> {
    await eventually(
      () => Node.list().includes(victim),
      (up) => up,
    );
  }

  it('a thread that exits: calls, stops and starts pending there reject NodeDownError; links, monitors and node monitors hear noconnection; names vanish', async () => {
    await backUp();
    const e = await Echo.start(0, { node: victim, name: 'on-victim' });
    const other = await Echo.start(0, { node: victim });
    const slow = await SlowStop.start(0, { node: victim });
    const watcher = track(await Watcher.start());
    await GenServer.call(watcher, 'link', e);
    await GenServer.call(watcher, 'monitor', other);
    await GenServer.call(watcher, 'monitorNode', victim);
    const exited = GenServer.awaitExit(other);
    const downs: string[] = [];
    const unsubscribe = Node.onDown((node) => downs.push(node));

    const midCall = rejectionOf(GenServer.call(e, 'sleep', 60_000, Infinity));
    const midStop = rejectionOf(GenServer.stop(slow));
    const midStart = rejectionOf(SlowStart.start(60_000, { node: victim }));
    await sleep(50);
    void GenServer.call(other, 'exitThread', 3).catch(() => undefined);

    const callError = await midCall;
    expect(callError).to.be.instanceOf(NodeDownError);
    expect((callError as NodeDownError).node).to.equal(victim);
    expect(await midStop).to.be.instanceOf(NodeDownError);
    expect(await midStart).to.be.instanceOf(NodeDownError);
    expect(await exited).to.equal('noconnection');
    expect(downs).to.deep.equal([victim]);
    unsubscribe();

    const seen = await eventually(
      () => GenServer.call(watcher, 'seen') as Promise<unknown[][]>,
      (s) => s.length >= 3,
    );
    expect(seen).to.deep.include(['EXIT', e, 'noconnection']);
    expect(seen).to.deep.include(['DOWN', other, 'noconnection']);
    expect(seen).to.deep.include(['nodedown', victim]);
    expect(GenServer.isAlive(e)).to.equal(false);
    expect(await rejectionOf(GenServer.call(e, 'get'))).to.be.instanceOf(NoProcError);
    expect(Node.internedRefs(victim)).to.equal(0);

    await backUp();
    expect(await GenServer.whereis({ name: 'on-victim', node: victim })).to.equal(undefined);
    const fresh = track(await Echo.start(1, { node: victim, name: 'on-victim' }));
    expect(await GenServer.call(fresh, 'get')).to.equal(1);
    expect(fresh).not.to.equal(e);
  });

  it('a thread that throws uncaught is a node down too', async () => {
    await backUp();
    const e = await Echo.start(0, { node: victim });
    const pending = rejectionOf(GenServer.call(e, 'throwUncaught', undefined, Infinity));
    expect(await pending).to.be.instanceOf(NodeDownError);
    await eventually(
      () => logs.some((l) => l.message.includes(victim) && l.message.includes('uncaught in a worker')),
      (ok) => ok,
    );
  });

  it('a thread that runs out of memory is a node down too', async () => {
    await backUp();
    const e = await Echo.start(0, { node: victim });
    expect(await rejectionOf(GenServer.call(e, 'hog', undefined, Infinity))).to.be.instanceOf(NodeDownError);
  });

  it('a supervisor here restarts its child there each time the thread comes back (its restart waits for the thread)', async () => {
    await backUp();
    const sup = track(
      await Supervisor.start([{ id: 'echo', start: () => Echo.startLink(5, { node: victim }) }], { maxRestarts: 10, maxSeconds: 60 }),
    );
    const first = Supervisor.whichChildren(sup)[0].ref as ServerRef;
    void GenServer.call(first, 'exitThread', 1).catch(() => undefined);
    // The supervisor's restart waits for the thread to be back, then starts the child there.
    await eventually(
      () => Supervisor.whichChildren(sup)[0].ref !== first,
      (changed) => changed,
    );
    await backUp();
    const second = await eventually(
      () => Supervisor.whichChildren(sup)[0].ref,
      (r) => r instanceof ServerRef && r !== first && GenServer.isAlive(r),
    );
    expect(await GenServer.call(second as ServerRef, 'get')).to.equal(5);
    void GenServer.call(second as ServerRef, 'exitThread', 1).catch(() => undefined);
    const third = await eventually(
      () => Supervisor.whichChildren(sup)[0].ref,
      (r) => r instanceof ServerRef && r !== second && GenServer.isAlive(r),
    );
    expect(await GenServer.call(third as ServerRef, 'get')).to.equal(5);
    expect(GenServer.isAlive(sup)).to.equal(true);
  });

  it('a thread killed while a supervisor here waits for its child to restart there: the supervisor starts the child again once the thread is back', async () => {
    await backUp();
    let initMs = 0;
    const sup = track(
      await Supervisor.start([{ id: 'slow', start: () => SlowStart.startLink(initMs, { node: victim, name: 'slow-child' }) }], {
        maxRestarts: 10,
        maxSeconds: 60,
      }),
    );
    const first = Supervisor.whichChildren(sup)[0].ref as ServerRef;
    const killer = await Echo.start(0, { node: victim });
    initMs = 60_000; // the restart's init there waits a minute: the thread dies first
    GenServer.exit(first, 'boom');
    // The restart is under way there: the new child holds its name while its init runs.
    const restarting = await eventually(
      () => GenServer.whereis({ name: 'slow-child', node: victim }),
      (r) => r !== undefined && r !== first,
    );
    expect(restarting, 'the restarted child, in its init there').to.be.instanceOf(ServerRef);
    expect(Supervisor.whichChildren(sup)[0].ref).to.equal('restarting');
    initMs = 0;
    void GenServer.call(killer, 'exitThread', 1).catch(() => undefined);
    await backUp();
    const next = await eventually(
      () => Supervisor.whichChildren(sup)[0].ref,
      (r) => r instanceof ServerRef && r !== first && GenServer.isAlive(r),
    );
    expect(next).to.be.instanceOf(ServerRef);
    expect((next as ServerRef).node).to.equal(victim);
    expect(await GenServer.getState(next as ServerRef)).to.equal(0);
    expect(GenServer.isAlive(sup)).to.equal(true);
  });

  it('a call or start on a node that was never connected rejects NodeDownError at once', async () => {
    const error = await rejectionOf(GenServer.call({ name: 'x', node: 'elsewhere' }, 'get'));
    expect(error).to.be.instanceOf(NodeDownError);
    expect((error as NodeDownError).node).to.equal('elsewhere');
    expect(await rejectionOf(Echo.start(0, { node: 'elsewhere' }))).to.be.instanceOf(NodeDownError);
  });

  it('monitoring a node that is not connected delivers nodedown at once; Node.monitor outside a server throws', async () => {
    const watcher = track(await Watcher.start());
    await GenServer.call(watcher, 'monitorNode', 'elsewhere');
    expect(
      await eventually(
        () => GenServer.call(watcher, 'seen') as Promise<unknown[][]>,
        (s) => s.length > 0,
      ),
    ).to.deep.equal([['nodedown', 'elsewhere']]);
    expect(() => Node.monitor(victim)).to.throw(/from a server/);
  });
});

describe('Node.startThreads()', function () {
  this.timeout(120_000);

  it('rejects with ClassNameError when two modules export different classes under one name, and leaves no thread', async () => {
    const before = Node.list().length;
    const error = await rejectionOf(Node.startThreads(1, { modules: [...MODULES, require.resolve('./support/node_clash')] }));
    expect(error).to.be.instanceOf(ClassNameError);
    expect(error).to.include({ className: 'Echo' });
    expect((error as Error).message).to.contain('node_clash');
    expect(Node.list().length).to.equal(before);
  });

  it("rejects with the module's error when a module fails to load", async () => {
    const error = await rejectionOf(Node.startThreads(1, { modules: [`${require.resolve('./support/node_servers')}.missing`] }));
    expect((error as Error).message).to.contain('.missing');
  });

  it('rejects ArgumentError for a count that is not a whole number >= 1', async () => {
    expect(await rejectionOf(Node.startThreads(0))).to.be.instanceOf(ArgumentError);
  });
});
