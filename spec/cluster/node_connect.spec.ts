import { expect } from 'chai';
import {
  GenServer,
  Node,
  NodeDownError,
  NoProcError,
  PayloadTooLargeError,
  type ServerRef,
  handleCall,
  handleInfo,
  noreply,
  reply,
  setLogger,
} from '../../lib';
import { NatsServer, natsServerInstalled } from '../support/nats_server';
import { startNode, stopAll } from '../support/node_process';
import { Room } from './programs/rooms';

// Node.connect: the node layer's semantics across OS processes over NATS. This process is node
// 'here'; the others run spec/cluster/programs/room_node.ts.

/** A local server that records what other nodes do to it. */
class Watcher extends GenServer<unknown[]> {
  @handleCall('monitor')
  watch(target: ServerRef, seen: unknown[]) {
    this.monitor(target);
    return reply('ok', seen);
  }

  @handleCall('monitorNode')
  watchNode(node: string, seen: unknown[]) {
    this.monitorNode(node);
    return reply('ok', seen);
  }

  @handleCall('seen')
  seen(_: unknown, seen: unknown[]) {
    return reply(seen, seen);
  }

  @handleInfo('DOWN')
  down(message: { reason: unknown }, seen: unknown[]) {
    return noreply([...seen, ['DOWN', message.reason]]);
  }

  @handleInfo('nodedown')
  nodedown(message: { node: string }, seen: unknown[]) {
    return noreply([...seen, ['nodedown', message.node]]);
  }
}

async function until(what: string, test: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await test())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('Node.connect() (a cluster over NATS, nodes as OS processes)', function () {
  this.timeout(60_000);
  let server: NatsServer;
  const node = (name: string, env: Record<string, string> = {}) =>
    startNode('room_node.ts', { NATS_URL: server.url, NODE_NAME: name, HEARTBEAT_MS: '250', DOWN_AFTER_MS: '1500', ...env });

  before(async function () {
    if (!natsServerInstalled()) this.skip();
    server = await NatsServer.start({ maxPayload: 64 * 1024 });
    await Node.connect({ name: 'here', servers: server.url, heartbeatMs: 250, downAfterMs: 1500 });
  });
  afterEach(async () => {
    await stopAll();
    await until('no node left in Node.list()', () => Node.list().length === 0, 10_000);
  });
  after(async () => {
    await Node.disconnect();
    await server?.stop();
  });

  it('names this node and lists the others; calls, casts and sends reach a named server on another node', async () => {
    expect(Node.self()).to.equal('here');
    await node('b');
    await until('b listed', () => Node.list().includes('b'));
    const lobby = { name: 'lobby', node: 'b' };
    expect(await GenServer.call(lobby, 'join', 'ann')).to.deep.equal(['ann']);
    GenServer.cast(lobby, 'note', new Map([['k', 1n]]));
    GenServer.send(lobby, 'note', new Date(7));
    expect(await GenServer.call(lobby, 'notes')).to.deep.equal([new Map([['k', 1n]]), ['info', new Date(7)]]);
    const who = (await GenServer.call(lobby, 'whoami')) as { node: string; pid: number; self: ServerRef };
    expect(who.node).to.equal('b');
    expect(who.pid).to.not.equal(process.pid);
    // the ref that came back works, and is the same object every time
    expect(await GenServer.call(who.self, 'echo', 'via ref')).to.equal('via ref');
    const again = (await GenServer.call(lobby, 'whoami')) as { self: ServerRef };
    expect(again.self).to.equal(who.self);
  });

  it('starts a server on another node and gets errors thrown there with their class and message', async () => {
    await node('b', { NO_LOBBY: '1' });
    await until('b listed', () => Node.list().includes('b'));
    const room = await Room.start({ members: [], notes: [] }, { node: 'b' });
    expect(await GenServer.call(room, 'join', 'bob')).to.deep.equal(['bob']);
    const previous = setLogger({ error() {}, warn() {}, info() {} });
    try {
      const error = await GenServer.call(room, 'crash', 'boom').then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).to.be.instanceOf(Error);
      expect(String((error as { reason?: { message?: string } }).reason?.message ?? (error as Error).message)).to.include('boom');
    } finally {
      setLogger(previous);
    }
  });

  it('fails a call to a node nobody serves at once with NodeDownError, not after its timeout', async () => {
    const started = Date.now();
    const error = await GenServer.call({ name: 'lobby', node: 'nobody' }, 'join', 'x', 30_000).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(NodeDownError);
    expect((error as NodeDownError).node).to.equal('nobody');
    expect(Date.now() - started).to.be.below(1000);
  });

  it('rejects a pending call with NodeDownError when its node is killed with kill -9 mid-call, and tells monitors', async () => {
    const b = await node('b');
    await until('b listed', () => Node.list().includes('b'));
    const lobby = (await GenServer.call({ name: 'lobby', node: 'b' }, 'whoami')) as { self: ServerRef };
    const watcher = await Watcher.start([]);
    try {
      await GenServer.call(watcher, 'monitor', lobby.self);
      await GenServer.call(watcher, 'monitorNode', 'b');
      const pending = GenServer.call(lobby.self, 'slow', 20_000, 30_000).then(
        () => undefined,
        (e: unknown) => e,
      );
      await new Promise((resolve) => setTimeout(resolve, 200));
      const killed = Date.now();
      await b.kill();
      const error = await pending;
      expect(error).to.be.instanceOf(NodeDownError);
      // the bound: downAfterMs 1500 + one sweep, with a margin for a loaded machine
      expect(Date.now() - killed).to.be.below(1500 + 125 + 2000);
      await until('DOWN and nodedown', async () => ((await GenServer.call(watcher, 'seen')) as unknown[]).length === 2);
      expect(await GenServer.call(watcher, 'seen')).to.have.deep.members([
        ['DOWN', 'noconnection'],
        ['nodedown', 'b'],
      ]);
    } finally {
      await GenServer.stop(watcher);
    }
  });

  it('treats a node that comes back under its name as a new incarnation: refs to the old one are dead (NoProc)', async () => {
    const first = await node('b');
    await until('b listed', () => Node.list().includes('b'));
    const old = ((await GenServer.call({ name: 'lobby', node: 'b' }, 'whoami')) as { self: ServerRef }).self;
    await first.kill();
    await node('b');
    await until('new b answers', async () => {
      const who = await GenServer.call({ name: 'lobby', node: 'b' }, 'whoami').catch(() => undefined);
      return who !== undefined;
    });
    const error = await GenServer.call(old, 'echo', 1).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(NoProcError);
  });

  it('refuses a call whose payload is above NATS max_payload at the sender with PayloadTooLargeError', async () => {
    await node('b');
    await until('b listed', () => Node.list().includes('b'));
    const error = await GenServer.call({ name: 'lobby', node: 'b' }, 'echo', new Uint8Array(100_000)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(PayloadTooLargeError);
    expect(error).to.include({ node: 'b', maxPayload: 64 * 1024 });
    expect(await GenServer.call({ name: 'lobby', node: 'b' }, 'echo', 'fine')).to.equal('fine');
  });

  it('rejects a second Node.connect while connected', async () => {
    const error = await Node.connect({ name: 'again', servers: server.url }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(Error);
    expect(Node.self()).to.equal('here');
  });
});
