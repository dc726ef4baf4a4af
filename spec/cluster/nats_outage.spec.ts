import { expect } from 'chai';
import { CallTimeoutError, GenServer, Node, NodeDownError, type ServerRef, setLogger } from '../../lib';
import { natsTransport } from '../../lib/node/nats/connect';
import { NatsCluster, NatsServer, natsServerInstalled } from '../support/nats_server';
import { startNode, stopAll } from '../support/node_process';
import { Room } from './programs/rooms';

// Node.connect while NATS itself fails under live nodes (separate OS processes): a restart of the
// only nats-server, short and longer than downAfterMs, and one server of a 3-server NATS cluster
// killed. Calls made meanwhile are answered or reject with a named error (CallTimeoutError,
// NodeDownError), none hangs, none becomes an unhandled rejection (spec/support/setup.ts fails
// the test for one), and once NATS is back the nodes find each other and calls work again.

const HEARTBEAT_MS = 250;
const DOWN_AFTER_MS = 1500;
const CALL_TIMEOUT_MS = 1000;
/** A call that has not settled this long after its own timeout is hanging. */
const HANG_MS = CALL_TIMEOUT_MS + 10_000;

async function until(what: string, test: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await test())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

type Outcome = 'ok' | 'CallTimeoutError' | 'NodeDownError' | `other: ${string}` | 'hung';

/**
 * Calls `target` over and over, `inFlight` at a time, each with CALL_TIMEOUT_MS, until stopped;
 * records how each one ended. A call that neither resolves nor rejects within HANG_MS is 'hung'.
 */
function callsGoingOn(target: () => ServerRef | { name: string; node: string }, inFlight = 4) {
  const outcomes: { at: number; outcome: Outcome }[] = [];
  let running = true;
  const one = async (): Promise<void> => {
    while (running) {
      let timer: NodeJS.Timeout | undefined;
      const hung = new Promise<Outcome>((resolve) => {
        timer = setTimeout(() => resolve('hung'), HANG_MS);
      });
      const call = GenServer.call(target(), 'echo', 'x', CALL_TIMEOUT_MS).then(
        (value): Outcome => (value === 'x' ? 'ok' : `other: reply ${String(value)}`),
        (error: unknown): Outcome =>
          error instanceof CallTimeoutError
            ? 'CallTimeoutError'
            : error instanceof NodeDownError
              ? 'NodeDownError'
              : `other: ${(error as Error)?.name}: ${(error as Error)?.message}`,
      );
      const outcome = await Promise.race([call, hung]);
      clearTimeout(timer);
      outcomes.push({ at: Date.now(), outcome });
      // A call that failed at once (node down) must not spin: try again a moment later.
      if (outcome !== 'ok') await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  const loops = Array.from({ length: inFlight }, one);
  return {
    outcomes,
    async stop() {
      running = false;
      await Promise.all(loops);
      return outcomes;
    },
  };
}

function expectOnlyNamedOutcomes(outcomes: { outcome: Outcome }[]): void {
  const bad = outcomes.filter((o) => !['ok', 'CallTimeoutError', 'NodeDownError'].includes(o.outcome));
  expect(bad, `calls that hung or failed otherwise: ${JSON.stringify(bad.slice(0, 5))}`).to.deep.equal([]);
}

describe('Node.connect() while its nats-server restarts under live nodes (OS processes)', function () {
  this.timeout(120_000);
  let server: NatsServer;
  let restore: () => void = () => undefined;

  before(async function () {
    if (!natsServerInstalled()) this.skip();
    server = await NatsServer.start();
    await Node.connect({ name: 'here', servers: server.url, heartbeatMs: HEARTBEAT_MS, downAfterMs: DOWN_AFTER_MS });
  });
  beforeEach(() => {
    // The reconnect and node-down warnings are expected here.
    const previous = setLogger({ error() {}, warn() {}, info() {} });
    restore = () => setLogger(previous);
  });
  afterEach(async () => {
    restore();
    await stopAll();
    await until('no node left in Node.list()', () => Node.list().length === 0, 10_000);
  });
  after(async () => {
    await Node.disconnect();
    await server?.stop();
  });

  const node = (name: string) =>
    startNode('room_node.ts', {
      NATS_URL: server.url,
      NODE_NAME: name,
      HEARTBEAT_MS: String(HEARTBEAT_MS),
      DOWN_AFTER_MS: String(DOWN_AFTER_MS),
    });

  it('answers calls made during a quick restart or rejects them with CallTimeoutError/NodeDownError, and calls work again after', async () => {
    await node('b');
    await until('b listed', () => Node.list().includes('b'));
    const lobby = ((await GenServer.call({ name: 'lobby', node: 'b' }, 'whoami')) as { self: ServerRef }).self;
    const calls = callsGoingOn(() => lobby);
    try {
      await until('calls answered before the restart', () => calls.outcomes.some((o) => o.outcome === 'ok'));
      const restarted = Date.now();
      await server.restart();
      // once both nodes have reconnected, the ref taken before the restart answers again
      await until('a call answered after the restart', () => calls.outcomes.some((o) => o.at > restarted + 200 && o.outcome === 'ok'));
      expectOnlyNamedOutcomes(await calls.stop());
    } finally {
      await calls.stop();
    }
    expect(await GenServer.call(lobby, 'echo', 'after')).to.equal('after');
    expect(await GenServer.call({ name: 'lobby', node: 'b' }, 'join', 'ann')).to.deep.equal(['ann']);
  });

  it('sees the other nodes down during an outage longer than downAfterMs (NodeDownError), and up again with working calls after', async () => {
    await node('b');
    await until('b listed', () => Node.list().includes('b'));
    const calls = callsGoingOn(() => ({ name: 'lobby', node: 'b' }));
    try {
      await until('calls answered before the outage', () => calls.outcomes.some((o) => o.outcome === 'ok'));
      const stopped = Date.now();
      await server.halt();
      await until('b seen down while NATS is away', () => !Node.list().includes('b'), 3 * DOWN_AFTER_MS + 5000);
      // calls to a node that is down fail at once, with NodeDownError
      const error = await GenServer.call({ name: 'lobby', node: 'b' }, 'echo', 'x', 30_000).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).to.be.instanceOf(NodeDownError);
      await server.boot();
      const back = Date.now();
      await until('b listed again', () => Node.list().includes('b'));
      await until('a call answered after NATS is back', () => calls.outcomes.some((o) => o.at > back && o.outcome === 'ok'));
      const outcomes = await calls.stop();
      expectOnlyNamedOutcomes(outcomes);
      expect(outcomes.filter((o) => o.at > stopped && o.at < back).map((o) => o.outcome)).to.include('NodeDownError');
      expect(await GenServer.call({ name: 'lobby', node: 'b' }, 'join', 'bob')).to.deep.equal(['bob']);
    } finally {
      await calls.stop();
    }
  });
});

describe('Node.connect() on a 3-server NATS cluster while one server is killed (OS processes)', function () {
  this.timeout(180_000);
  let cluster: NatsCluster;
  let restore: () => void = () => undefined;

  before(async function () {
    if (!natsServerInstalled()) this.skip();
    cluster = await NatsCluster.start(3);
    await Node.connect({
      name: 'here',
      servers: cluster.urls,
      heartbeatMs: HEARTBEAT_MS,
      downAfterMs: 10_000,
      global: { replicas: 3 },
    });
    const previous = setLogger({ error() {}, warn() {}, info() {} });
    restore = () => setLogger(previous);
  });
  after(async () => {
    restore();
    await stopAll();
    await Node.disconnect();
    await cluster?.stop();
  });

  it('keeps calls going and global names (KV, 3 replicas) readable while the server this node uses is killed', async () => {
    await startNode('room_node.ts', {
      NATS_URL: cluster.urls.join(','),
      NODE_NAME: 'b',
      HEARTBEAT_MS: String(HEARTBEAT_MS),
      DOWN_AFTER_MS: '10000',
    });
    await until('b listed', () => Node.list().includes('b'));
    const lobby = ((await GenServer.call({ name: 'lobby', node: 'b' }, 'whoami')) as { self: ServerRef }).self;
    const mine = await Room.start({ members: [], notes: [] });
    await Node.global.register('room:replicated', mine);
    const calls = callsGoingOn(() => lobby);
    try {
      await until('calls answered before the kill', () => calls.outcomes.some((o) => o.outcome === 'ok'));
      const usedName = natsTransport()!.connection.info?.server_name;
      const used = cluster.servers.find((s) => s.name === usedName);
      expect(used, `the server this node is connected to (${usedName})`).to.not.equal(undefined);
      const killed = Date.now();
      await used!.kill();
      await until('a call answered after the kill', () => calls.outcomes.some((o) => o.at > killed + 200 && o.outcome === 'ok'));
      const outcomes = await calls.stop();
      expectOnlyNamedOutcomes(outcomes);
      expect(natsTransport()!.connection.info?.server_name).to.not.equal(usedName);
      // the names bucket has a quorum on the two servers left: the name is still there, and taken
      await until('the global name readable', async () => (await Node.global.whereis('room:replicated').catch(() => undefined)) === mine);
      expect(await GenServer.call({ global: 'room:replicated' }, 'echo', 'global')).to.equal('global');
      expect(Node.list()).to.include('b');
    } finally {
      await calls.stop();
      await Node.global.unregister('room:replicated').catch(() => undefined);
      await GenServer.stop(mine);
    }
  });
});
