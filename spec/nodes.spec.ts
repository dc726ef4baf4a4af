import { expect } from 'chai';
import {
  ArgumentError,
  CallTimeoutError,
  ClassNameError,
  DynamicSupervisor,
  GenServer,
  GenServerError,
  Node,
  NoProcError,
  PartitionSupervisor,
  PayloadError,
  RemoteError,
  ServerExitError,
  ServerRef,
  Supervisor,
  UnknownMessageError,
  type From,
  handleCall,
  handleInfo,
  init,
  noreply,
  reply,
} from '../lib';
import { exportedFromCount } from '../lib/node/node';
import { Burner, Echo, Sealed } from './support/node_servers';
import { captureLogs, rejectionOf, sleep, trackServers } from './support/helpers';

// Two real worker threads, started once for the whole file (a thread under ts-node takes seconds
// to boot on a busy machine); every semantic of one node is checked across them.

const MODULES = [require.resolve('./support/node_servers')];

/** A server on main that records what it receives (links, monitors, nodedown). */
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
    return reply(this.monitor(ref), s);
  }
  @handleCall('demonitor') demonitorRef(m: Parameters<GenServer['demonitor']>[0], s: unknown[]) {
    return reply(this.demonitor(m), s);
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
}

/** A server on main that shows each caller's `from` to a server on another node. */
class Forwarder extends GenServer<ServerRef> {
  @init setup(other: ServerRef) {
    return other;
  }
  /** Shows the `from` there, then answers here. */
  @handleCall('answerHere') answerHere(n: number, other: ServerRef, from: From) {
    GenServer.cast(other, 'keep', from);
    return reply(n, other);
  }
  /** Leaves the answer to the server there. */
  @handleCall('answerThere') answerThere(_: void, other: ServerRef, from: From) {
    GenServer.cast(other, 'replyTo', from);
    return noreply(other);
  }
}

async function eventually<T>(fn: () => Promise<T> | T, ok: (v: T) => boolean, ms = 20000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (ok(v) || Date.now() > end) return v;
    await sleep(20);
  }
}

describe('Nodes: servers on worker threads', function () {
  this.timeout(120_000);
  let w1: string;
  let w2: string;
  const track = trackServers();
  const logs = captureLogs();

  before(async () => {
    [w1, w2] = await Node.startThreads(2, { modules: MODULES });
  });
  after(() => Node.stopThreads());

  describe('Node.self() and Node.list()', () => {
    it('names the main thread and its threads, and lists the threads', async () => {
      expect(Node.self()).to.equal('main');
      expect(w1).to.match(/^main\/thread-\d+$/);
      expect(Node.list()).to.include.members([w1, w2]);
      const ref = track(await Echo.start(0, { node: w1 }));
      expect(ref.node).to.equal(w1);
      expect(await GenServer.call(ref, 'node')).to.equal(w1);
      expect(String(ref)).to.contain(`@${w1}`);
    });
  });

  describe('start(arg, { node })', () => {
    it('runs init on the other node and resolves to a ref that works here', async () => {
      const ref = track(await Echo.start(5, { node: w1 }));
      expect(ref).to.be.instanceOf(ServerRef);
      expect(await GenServer.call(ref, 'add', 2)).to.equal(7);
    });

    it('rejects with ClassNameError for a class the node has not loaded', async () => {
      class NotLoaded extends GenServer {}
      const error = await rejectionOf(NotLoaded.start(undefined, { node: w1 }));
      expect(error).to.be.instanceOf(ClassNameError);
      expect(error).to.include({ className: 'NotLoaded', node: w1 });
    });

    it('rejects a { global } name with GenServerError outside a cluster (no init runs), and an empty one with ArgumentError', async () => {
      let inits = 0;
      class Counted extends GenServer {
        @init
        setup() {
          inits++;
          return 0;
        }
      }
      const error = await rejectionOf(Counted.start(undefined, { name: { global: 'nowhere' } }));
      expect(error).to.be.instanceOf(GenServerError);
      expect((error as Error).message).to.match(/Node\.connect/);
      expect(inits).to.equal(0);
      expect(await rejectionOf(Counted.start(undefined, { name: { global: '' } }))).to.be.instanceOf(ArgumentError);
      expect(GenServer.whereis({ global: 'nowhere' })).to.equal(undefined);
    });

    it("rejects with init's error when init fails there, and registers nothing", async () => {
      const error = await rejectionOf(
        Echo.start(0, { node: w1, name: 'taken-twice' }).then(() => Echo.start(0, { node: w1, name: 'taken-twice' })),
      );
      expect((error as Error).name).to.equal('AlreadyStartedError');
      await GenServer.stop({ name: 'taken-twice', node: w1 });
    });
  });

  describe('refs across nodes', () => {
    it('keep comparing by identity: the same remote server has one ref object here', async () => {
      const ref = track(await Echo.start(0, { node: w1 }));
      expect(await GenServer.call(ref, 'self')).to.equal(ref);
    });

    it('become the local ref again on their home node', async () => {
      const local = track(await Echo.start(1));
      const remote = track(await Echo.start(0, { node: w1 }));
      expect(await GenServer.call(remote, 'echo', { who: local })).to.deep.equal({ who: local });
      expect(((await GenServer.call(remote, 'echo', [local])) as unknown[])[0]).to.equal(local);
    });

    it('work when passed through three nodes (main → thread 1 → thread 2 → main)', async () => {
      const onMain = track(await Echo.start(100));
      const a = track(await Echo.start(0, { node: w1 }));
      const b = track(await Echo.start(0, { node: w2 }));
      // a calls b, which calls the server on main that a was handed.
      expect(await GenServer.call(a, 'ask', [b, 'ask', [onMain, 'add', 1]])).to.equal(101);
      // a ref of thread 2 travels to thread 1, which starts nothing but uses it.
      expect(await GenServer.call(a, 'ask', [b, 'add', 5])).to.equal(5);
      // thread 1 starts a server on thread 2 and hands back its ref.
      const c = (await GenServer.call(a, 'startOn', [w2, 7])) as ServerRef;
      track(c);
      expect(c.node).to.equal(w2);
      expect(await GenServer.call(c, 'get')).to.equal(7);
    });
  });

  describe('GenServer.call() across nodes', () => {
    it('takes { name, node } targets, and whereis({ name, node }) resolves to the interned ref', async () => {
      const ref = track(await Echo.start(3, { node: w1, name: 'lobby' }));
      expect(await GenServer.call({ name: 'lobby', node: w1 }, 'get')).to.equal(3);
      expect(await GenServer.whereis({ name: 'lobby', node: w1 })).to.equal(ref);
      expect(await GenServer.whereis({ name: 'nobody', node: w1 })).to.equal(undefined);
      const local = track(await Echo.start(0, { name: 'here' }));
      expect(await GenServer.whereis({ name: 'here', node: Node.self() })).to.equal(local);
    });

    it("rejects with CallTimeoutError after the timeout on the caller's side, and the server keeps running", async () => {
      const ref = track(await Echo.start(1, { node: w1 }));
      const error = await rejectionOf(GenServer.call(ref, 'sleep', 400, 50));
      expect(error).to.be.instanceOf(CallTimeoutError);
      expect(error).to.include({ server: ref, tag: 'sleep', timeout: 50 });
      expect(await GenServer.call(ref, 'get')).to.equal(1);
    });

    it('rejects with NoProcError for a name no server holds there', async () => {
      const target = { name: 'nobody', node: w1 };
      const error = await rejectionOf(GenServer.call(target, 'get'));
      expect(error).to.be.instanceOf(NoProcError);
      expect((error as NoProcError).server).to.equal(target);
    });

    it('rejects with UnknownMessageError for an unknown tag, naming the tags', async () => {
      const ref = track(await Echo.start(0, { node: w1 }));
      const error = await rejectionOf(GenServer.call(ref, 'nope'));
      expect(error).to.be.instanceOf(UnknownMessageError);
      expect((error as UnknownMessageError).server).to.equal(ref);
      expect((error as Error).message).to.contain('echo');
    });

    it("carries a deferred reply from the server's node and from a third node", async () => {
      const ref = track(await Echo.start(0, { node: w1 }));
      const helper = track(await Echo.start(0, { node: w2 }));
      expect(await GenServer.call(ref, 'defer', 20)).to.equal('later');
      expect(await GenServer.call(ref, 'deferTo', helper)).to.equal(`answered by ${w2}`);
      const onMain = track(await Echo.start(0));
      expect(await GenServer.call(ref, 'deferTo', onMain)).to.equal('answered by main');
    });

    it('answers calls to a server on main from a thread (deferred replies too)', async () => {
      const onMain = track(await Echo.start(0));
      const ref = track(await Echo.start(0, { node: w1 }));
      expect(await GenServer.call(ref, 'ask', [onMain, 'defer', 10])).to.equal('later');
    });
  });

  describe('errors thrown on another node', () => {
    it("arrive with their class name, message, stack and fields (ServerExitError's reason)", async () => {
      logs.length = 0;
      const ref = track(await Echo.start(0, { node: w1 }));
      const error = (await rejectionOf(GenServer.call(ref, 'boom'))) as ServerExitError;
      expect(error).to.be.instanceOf(ServerExitError);
      expect(error.server).to.equal(ref);
      const reason = error.reason as RemoteError & { room: string; limit: number };
      expect(reason).to.be.instanceOf(RemoteError);
      expect(reason).to.include({
        name: 'RoomFullError',
        className: 'RoomFullError',
        message: 'room lobby is full (3)',
        room: 'lobby',
        limit: 3,
        node: w1,
      });
      expect(reason.stack).to.contain('node_servers');
      expect(GenServer.isAlive(ref)).to.equal(false);
      await eventually(
        () => logs.length,
        (n) => n > 0,
      );
      expect(logs.some((l) => l.message.includes(`[${w1}]`) && l.message.includes('terminating'))).to.equal(true);
    });

    it('keep a built-in class (TypeError stays a TypeError)', async () => {
      const ref = track(await Echo.start(0, { node: w1 }));
      const error = (await rejectionOf(GenServer.call(ref, 'typeError'))) as ServerExitError;
      expect(error.reason).to.be.instanceOf(TypeError);
      expect((error.reason as Error).message).to.equal('not a number');
    });
  });

  describe('payloads', () => {
    it('cross intact: Map, Set, Date, typed arrays, bigint, nested refs, objects with a $ key', async () => {
      const ref = track(await Echo.start(0, { node: w1 }));
      const value = {
        map: new Map<unknown, unknown>([
          ['a', 1],
          [2, { b: [3] }],
        ]),
        set: new Set(['x', 'y']),
        date: new Date(0),
        bytes: new Uint8Array([1, 2, 3]),
        big: 2n ** 70n,
        nothing: undefined,
        nested: [{ ref }],
        $: 'dollar',
        inner: { $: 'ref', node: 'fake', inc: 1, id: 1, cls: 'X' },
        error: new RangeError('too far'),
      };
      const back = (await GenServer.call(ref, 'echo', value)) as typeof value;
      expect(back.map).to.deep.equal(value.map);
      expect(back.set).to.deep.equal(value.set);
      expect(back.date.getTime()).to.equal(0);
      expect([...back.bytes]).to.deep.equal([1, 2, 3]);
      expect(back.big).to.equal(value.big);
      expect('nothing' in back).to.equal(true);
      expect(back.nested[0].ref).to.equal(ref);
      expect(back.$).to.equal('dollar');
      expect(back.inner).to.deep.equal(value.inner);
      expect(back.error).to.be.instanceOf(RangeError);
    });

    it('a call whose payload cannot cross is refused at the sender with PayloadError, naming where', async () => {
      const ref = track(await Echo.start(0, { node: w1 }));
      class Point {
        constructor(readonly x: number) {}
      }
      const fn = await rejectionOf(GenServer.call(ref, 'echo', { user: { save: () => 1 } }));
      expect(fn).to.be.instanceOf(PayloadError);
      expect((fn as PayloadError).path).to.contain('.user.save');
      expect(await rejectionOf(GenServer.call(ref, 'echo', new Point(1)))).to.be.instanceOf(PayloadError);
      expect(await rejectionOf(GenServer.call(ref, 'echo', Symbol('s')))).to.be.instanceOf(PayloadError);
      expect(await rejectionOf(GenServer.call(ref, 'echo', Buffer.from('x')))).to.be.instanceOf(PayloadError);
      const cycle: Record<string, unknown> = {};
      cycle.self = cycle;
      expect(await rejectionOf(GenServer.call(ref, 'echo', cycle))).to.be.instanceOf(PayloadError);
      expect(await GenServer.call(ref, 'get')).to.equal(0);
    });

    it('a reply that cannot cross rejects the caller with PayloadError; the server keeps running', async () => {
      const ref = track(await Echo.start(4, { node: w1 }));
      expect(await rejectionOf(GenServer.call(ref, 'badReply'))).to.be.instanceOf(PayloadError);
      expect(await GenServer.call(ref, 'get')).to.equal(4);
    });

    it('a cast or send that cannot cross is logged and dropped, never thrown', async () => {
      const ref = track(await Echo.start(0, { node: w1 }));
      logs.length = 0;
      expect(GenServer.cast(ref, 'add', (() => 1) as never)).to.equal(undefined);
      GenServer.send(ref, 'add', new (class Foo {})() as never);
      expect(logs.filter((l) => l.level === 'warn' && l.message.includes('Dropped'))).to.have.length(2);
      expect(await GenServer.call(ref, 'get')).to.equal(0);
    });
  });

  describe('cast() and send() across nodes', () => {
    it('arrive in the order they were sent, mixed with calls', async () => {
      const ref = track(await Echo.start(0, { node: w1 }));
      for (let i = 1; i <= 200; i++) {
        if (i % 2) GenServer.cast(ref, 'add', i);
        else GenServer.send(ref, 'add', i);
      }
      const seen = (await GenServer.call(ref, 'seen')) as [string, number][];
      expect(seen.map(([, k]) => k)).to.deep.equal(Array.from({ length: 200 }, (_, i) => i + 1));
      expect(seen[0][0]).to.equal('cast');
      expect(seen[1][0]).to.equal('info');
    });

    it('from a server on one thread to a server on another (routed through main) arrive in the order they were sent', async () => {
      const sender = track(await Echo.start(0, { node: w1 }));
      const receiver = track(await Echo.start(0, { node: w2 }));
      GenServer.cast(sender, 'sendMany', [receiver, 300]);
      const seen = await eventually(
        () => GenServer.call(receiver, 'seen') as Promise<[string, number][]>,
        (s) => s.length >= 300,
      );
      expect(seen.map(([, k]) => k)).to.deep.equal(Array.from({ length: 300 }, (_, i) => i + 1));
      expect(seen.slice(0, 2).map(([kind]) => kind)).to.deep.equal(['cast', 'info']);
    });

    it('to a dead remote ref or a down node are dropped without error', async () => {
      const ref = await Echo.start(0, { node: w1 });
      await GenServer.stop(ref);
      GenServer.cast(ref, 'add', 1);
      GenServer.cast({ name: 'x', node: 'main/no-such-thread' }, 'add', 1);
      GenServer.send({ name: 'x', node: 'main/no-such-thread' }, 'add', 1);
    });
  });

  describe('stop, exit, isAlive, awaitExit, getState, info on a remote ref', () => {
    it('stop resolves once the server has exited there; then calls reject NoProcError', async () => {
      const ref = await Echo.start(0, { node: w1 });
      expect(GenServer.isAlive(ref)).to.equal(true);
      await GenServer.stop(ref, 'shutdown');
      expect(GenServer.isAlive(ref)).to.equal(false);
      expect(await rejectionOf(GenServer.call(ref, 'get'))).to.be.instanceOf(NoProcError);
      expect(await rejectionOf(GenServer.stop(ref))).to.be.instanceOf(NoProcError);
    });

    it('exit(ref, "kill") kills it there, and awaitExit resolves to the reason', async () => {
      const ref = await Echo.start(0, { node: w1 });
      const exited = GenServer.awaitExit(ref);
      await GenServer.call(ref, 'get');
      GenServer.exit(ref, 'kill');
      expect(await exited).to.equal('killed');
    });

    it('getState reads the state there; replaceState is refused (a function cannot cross)', async () => {
      const ref = track(await Echo.start(9, { node: w1 }));
      expect(await GenServer.getState(ref)).to.deep.equal({ n: 9, seen: [] });
      expect(await rejectionOf(GenServer.replaceState(ref, (s) => s))).to.be.instanceOf(PayloadError);
    });

    it('getStatus asks the node, which shows the state as its @formatStatus does', async () => {
      const ref = track(await Sealed.start({ secret: 'hunter2' }, { node: w1, name: 'sealed' }));
      const status = await GenServer.getStatus(ref);
      expect(status).to.include({ className: 'Sealed', name: 'sealed', status: 'running', formatted: true });
      expect(status.state).to.deep.equal({ secret: '<hidden>' });
      expect(status.ref).to.equal(ref);
      expect(await GenServer.getStatus({ name: 'sealed', node: w1 })).to.deep.include({ state: { secret: '<hidden>' } });
    });

    it('Node.info asks the node; GenServer.info (synchronous) says to use it', async () => {
      const ref = track(await Echo.start(0, { node: w1, name: 'informed' }));
      const info = await Node.info(ref);
      expect(info).to.include({ className: 'Echo', name: 'informed', status: 'running' });
      expect(() => GenServer.info(ref)).to.throw(ArgumentError, /Node\.info/);
      expect((await Node.info(track(await Echo.start(0)))).className).to.equal('Echo');
    });
  });

  describe('links and monitors across nodes', () => {
    it("a remote server's crash reaches a linked trapping server here as EXIT with its ref", async () => {
      const watcher = track(await Watcher.start());
      const ref = await Echo.start(0, { node: w1 });
      await GenServer.call(watcher, 'link', ref);
      GenServer.cast(ref, 'crash');
      const seen = await eventually(
        () => GenServer.call(watcher, 'seen') as Promise<unknown[][]>,
        (s) => s.length > 0,
      );
      expect(seen[0][0]).to.equal('EXIT');
      expect(seen[0][1]).to.equal(ref);
      expect((seen[0][2] as Error).message).to.equal('crashed by a cast');
    });

    it('a crash here reaches a linked server there (which dies unless trapping)', async () => {
      const local = await Echo.start(0);
      const remoteRef = await Echo.start(0, { node: w1 });
      const trapping = track(await Echo.start(0, { node: w2 }));
      await GenServer.call(trapping, 'trap');
      await GenServer.call(remoteRef, 'link', local);
      await GenServer.call(trapping, 'link', local);
      const remoteDown = GenServer.awaitExit(remoteRef);
      logs.length = 0;
      GenServer.cast(local, 'crash');
      expect(((await remoteDown) as Error).message).to.equal('crashed by a cast');
      const seen = await eventually(
        () => GenServer.call(trapping, 'seen') as Promise<unknown[][]>,
        (s) => s.length > 0,
      );
      expect(seen[0][0]).to.equal('EXIT');
      expect((seen[0][1] as { from: unknown }).from).to.equal(local);
    });

    it('a monitor gets DOWN with the ref and reason; a dead ref gives noproc', async () => {
      const watcher = track(await Watcher.start());
      const ref = await Echo.start(0, { node: w1 });
      await GenServer.call(watcher, 'monitor', ref);
      await GenServer.stop(ref, 'normal');
      const seen = await eventually(
        () => GenServer.call(watcher, 'seen') as Promise<unknown[][]>,
        (s) => s.length > 0,
      );
      expect(seen[0]).to.deep.equal(['DOWN', ref, 'normal']);
      expect(seen[0][1]).to.equal(ref);
      await GenServer.call(watcher, 'monitor', ref);
      const again = await eventually(
        () => GenServer.call(watcher, 'seen') as Promise<unknown[][]>,
        (s) => s.length > 1,
      );
      expect(again[1]).to.deep.equal(['DOWN', ref, 'noproc']);
    });

    it('demonitor stops the DOWN', async () => {
      const watcher = track(await Watcher.start());
      const ref = await Echo.start(0, { node: w1 });
      const monitor = await GenServer.call(watcher, 'monitor', ref);
      expect(await GenServer.call(watcher, 'demonitor', monitor)).to.equal(true);
      await GenServer.stop(ref);
      await sleep(50);
      expect(await GenServer.call(watcher, 'seen')).to.deep.equal([]);
    });

    it('a server there monitors a server here', async () => {
      const local = await Echo.start(0);
      const remoteRef = track(await Echo.start(0, { node: w1 }));
      await GenServer.call(remoteRef, 'monitor', local);
      await GenServer.stop(local, 'shutdown');
      const seen = await eventually(
        () => GenServer.call(remoteRef, 'seen') as Promise<unknown[][]>,
        (s) => s.length > 0,
      );
      expect(seen[0]).to.deep.equal(['DOWN', local, 'shutdown']);
    });
  });

  describe('supervisors with children on other nodes', () => {
    it('Supervisor restarts a crashed child on its node (startLink links across nodes)', async () => {
      const sup = track(await Supervisor.start([{ id: 'echo', start: () => Echo.startLink(1, { node: w1 }) }]));
      const [first] = Supervisor.whichChildren(sup);
      const ref = first.ref as ServerRef;
      expect(ref.node).to.equal(w1);
      logs.length = 0;
      GenServer.cast(ref, 'crash');
      const next = await eventually(
        () => Supervisor.whichChildren(sup)[0].ref,
        (r) => r instanceof ServerRef && r !== ref,
      );
      expect((next as ServerRef).node).to.equal(w1);
      expect(await GenServer.call(next as ServerRef, 'get')).to.equal(1);
      expect(Supervisor.countChildren(sup).active).to.equal(1);
      await GenServer.stop(sup);
      expect(GenServer.isAlive(next as ServerRef)).to.equal(false);
    });

    it('DynamicSupervisor starts and terminates children on other nodes', async () => {
      const dyn = track(await DynamicSupervisor.start());
      const child = (await DynamicSupervisor.startChild(dyn, { id: 'e', start: () => Echo.startLink(2, { node: w2 }) })) as ServerRef;
      expect(child.node).to.equal(w2);
      expect(await GenServer.call(child, 'get')).to.equal(2);
      await DynamicSupervisor.terminateChild(dyn, child);
      expect(GenServer.isAlive(child)).to.equal(false);
      expect(await rejectionOf(GenServer.call(child, 'get'))).to.be.instanceOf(NoProcError);
    });

    it('a server stopped with its supervisor there takes its linked child here with it', async () => {
      const b = track(await Burner.start(0, { node: w2 }));
      expect(await GenServer.call(b, 'burn', 1)).to.equal(1);
    });
  });

  describe('PartitionSupervisor', () => {
    it('starts one child per partition, spread over the nodes round robin', async () => {
      const ps = track(
        await PartitionSupervisor.start({ child: [Echo, 0], partitions: 4, nodes: [w1, w2], withArguments: (_arg, i) => i * 10 }),
      );
      const children = PartitionSupervisor.whichChildren(ps);
      expect(children.map((c) => c.id)).to.deep.equal(['partition-0', 'partition-1', 'partition-2', 'partition-3']);
      expect(children.map((c) => (c.ref as ServerRef).node)).to.deep.equal([w1, w2, w1, w2]);
      expect(PartitionSupervisor.partitions(ps)).to.equal(4);
      expect(await GenServer.call(children[2].ref as ServerRef, 'get')).to.equal(20);
      expect(PartitionSupervisor.countChildren(ps).active).to.equal(4);
    });

    it('routes via(ps, key) by key: integers by remainder, other keys by a stable hash', async () => {
      const ps = track(await PartitionSupervisor.start({ child: Echo, partitions: 3, nodes: [w1, w2] }));
      const children = PartitionSupervisor.whichChildren(ps);
      expect(await GenServer.call(PartitionSupervisor.via(ps, 4), 'self')).to.equal(children[1].ref);
      const p = PartitionSupervisor.whichPartition(ps, 'room:42');
      expect(PartitionSupervisor.whichPartition(ps, 'room:42')).to.equal(p);
      expect(await GenServer.call(PartitionSupervisor.via(ps, 'room:42'), 'self')).to.equal(children[p].ref);
      GenServer.cast(PartitionSupervisor.via(ps, 'room:42'), 'add', 5);
      expect(await GenServer.call(children[p].ref as ServerRef, 'get')).to.equal(5);
    });

    it('restarts a crashed partition on its node, and via reaches the new server', async () => {
      const ps = track(await PartitionSupervisor.start({ child: [Echo, 1], partitions: 2, nodes: [w1, w2], maxRestarts: 5 }));
      const before = PartitionSupervisor.whichChildren(ps)[1].ref as ServerRef;
      logs.length = 0;
      GenServer.cast(PartitionSupervisor.via(ps, 1), 'crash');
      const after = await eventually(
        () => PartitionSupervisor.whichChildren(ps)[1].ref,
        (r) => r instanceof ServerRef && r !== before,
      );
      expect((after as ServerRef).node).to.equal(w2);
      expect(await GenServer.call(PartitionSupervisor.via(ps, 1), 'self')).to.equal(after);
    });

    it('works on one node too (the default)', async () => {
      const ps = track(await PartitionSupervisor.start({ child: [Echo, 7], partitions: 2 }));
      expect(await GenServer.call(PartitionSupervisor.via(ps, 'k'), 'get')).to.equal(7);
      expect(PartitionSupervisor.whichChildren(ps).every((c) => (c.ref as ServerRef).node === 'main')).to.equal(true);
    });
  });

  describe('Node.register()', () => {
    it('names a class for starts from other nodes; a second class under that name is a ClassNameError', () => {
      class First extends GenServer {}
      class Second extends GenServer {}
      Node.register(First, 'specs.Registered');
      Node.register(First, 'specs.Registered');
      expect(() => Node.register(Second, 'specs.Registered')).to.throw(ClassNameError, /two different classes/);
      expect(() => Node.register((() => 1) as never)).to.throw(ArgumentError);
    });
  });

  describe('the table of local calls whose `from` crossed to another node', () => {
    it('lets go of calls answered here, so a `from` shown to another node and never answered there does not leak', async () => {
      const keeper = track(await Echo.start(0, { node: w1 }));
      const forwarder = track(await Forwarder.start(keeper));
      const before = exportedFromCount();
      for (let i = 0; i < 1000; i++) expect(await GenServer.call(forwarder, 'answerHere', i)).to.equal(i);
      expect(await GenServer.call(keeper, 'get')).to.equal(1000); // every `from` did reach the other node
      expect(exportedFromCount() - before).to.be.below(200);
    });

    it('still delivers a deferred reply from the other node after sweeps', async () => {
      const keeper = track(await Echo.start(0, { node: w1 }));
      const forwarder = track(await Forwarder.start(keeper));
      const deferred = GenServer.call(forwarder, 'answerThere', undefined);
      for (let i = 0; i < 500; i++) await GenServer.call(forwarder, 'answerHere', i);
      expect(await deferred).to.equal(`answered by ${w1}`);
    });
  });

  describe('remote refs table', () => {
    it('drops the refs of servers known to have exited', async () => {
      const before = Node.internedRefs(w1);
      const refs = await Promise.all([1, 2, 3].map((n) => Echo.start(n, { node: w1 })));
      expect(Node.internedRefs(w1)).to.equal(before + 3);
      await Promise.all(refs.map((r) => GenServer.stop(r)));
      expect(Node.internedRefs(w1)).to.equal(before);
    });
  });
});
