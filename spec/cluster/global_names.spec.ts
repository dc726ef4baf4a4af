import { expect } from 'chai';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Kvm } from '@nats-io/kv';
import {
  AlreadyStartedError,
  GenServer,
  type MonitorRef,
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
  setLogger,
} from '../../lib';
import { globalNames } from '../../lib/node/nats/connect';
import { NatsServer, natsServerInstalled } from '../support/nats_server';
import { startNode, stopAll, type NodeProcess } from '../support/node_process';
import { Room } from './programs/rooms';

// Global names across OS processes: exactly one winner of a race, freed on exit and on node
// death, a stale holder stops answering as the name, and { global } as a call/cast/send/stop target.

async function until(what: string, test: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await test())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const LEASE_MS = 1500;
const room = () => Room.start({ members: [], notes: [] });
const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (e: unknown) => e,
  );

let initsHere = 0;
class CountedRoom extends Room {
  @init
  setup(arg: { members: string[]; notes: unknown[] }) {
    initsHere++;
    return arg;
  }
}

/** Monitors what it is told to and keeps the DOWN reasons it gets. */
class Watcher extends GenServer<{ downs: unknown[] }> {
  @init
  setup() {
    return { downs: [] };
  }
  @handleCall('watch')
  watch(target: { global: string }, state: { downs: unknown[] }) {
    const monitor: MonitorRef = this.monitor(target);
    return reply(monitor !== undefined, state);
  }
  @handleCall('link')
  linkTo(target: { global: string }, state: { downs: unknown[] }) {
    this.trapExits(true);
    this.link(target);
    return reply(true, state);
  }
  @handleInfo('EXIT')
  exited({ reason }: { reason: unknown }, state: { downs: unknown[] }) {
    return noreply({ downs: [...state.downs, `EXIT ${String(reason)}`] });
  }
  @handleCall('downs')
  downs(_: unknown, state: { downs: unknown[] }) {
    return reply(state.downs, state);
  }
  @handleInfo('DOWN')
  down({ reason }: { reason: unknown }, state: { downs: unknown[] }) {
    return noreply({ downs: [...state.downs, reason] });
  }
}

describe('global names (Node.global, { global } targets)', function () {
  this.timeout(180_000);
  let server: NatsServer;
  const env = (name: string, extra: Record<string, string> = {}) => ({
    NATS_URL: server.url,
    NODE_NAME: name,
    HEARTBEAT_MS: '250',
    DOWN_AFTER_MS: '1500',
    LEASE_MS: String(LEASE_MS),
    ...extra,
  });

  before(async function () {
    if (!natsServerInstalled()) this.skip();
    server = await NatsServer.start();
    await Node.connect({ name: 'here', servers: server.url, heartbeatMs: 250, downAfterMs: 1500, global: { leaseMs: LEASE_MS } });
  });
  afterEach(async () => {
    await stopAll();
    await until('no node left', () => Node.list().length === 0, 10_000);
  });
  after(async () => {
    await Node.disconnect();
    await server?.stop();
  });

  it('gives a name raced for by four processes to exactly one; the others get AlreadyStartedError with the holder', async () => {
    const racers: NodeProcess[] = await Promise.all(
      ['r1', 'r2', 'r3', 'r4'].map((n) => startNode('global_node.ts', env(n, { PEERS: '4', RACE_NAME: 'room:race' }))),
    );
    await Promise.all(racers.map((r) => until(`${r.pid} raced`, () => /\n(won|lost \S+|failed.*)\n/.test(r.output), 90_000)));
    const results = racers.map((r) => /\n(won|lost \S+|failed.*)\n/.exec(r.output)![1]);
    const winners = results.map((r, i) => (r === 'won' ? `r${i + 1}` : undefined)).filter((w) => w !== undefined);
    expect(winners, results.join(', ')).to.have.length(1);
    for (const r of results) if (r !== 'won') expect(r).to.equal(`lost ${winners[0]}`);
    const who = (await GenServer.call({ global: 'room:race' }, 'whoami')) as { node: string };
    expect(who.node).to.equal(winners[0]);
    const holder = await Node.global.whereis('room:race');
    expect(holder).to.be.instanceOf(ServerRef);
    expect(holder!.node).to.equal(winners[0]);
  });

  it('rejects a second register here with AlreadyStartedError naming { global } and the holder ref', async () => {
    const a = await room();
    const b = await room();
    try {
      await Node.global.register('solo', a);
      const error = await Node.global.register('solo', b).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).to.be.instanceOf(AlreadyStartedError);
      expect((error as AlreadyStartedError).serverName).to.deep.equal({ global: 'solo' });
      expect((error as AlreadyStartedError).ref).to.equal(a);
    } finally {
      await GenServer.stop(a);
      await GenServer.stop(b);
    }
  });

  it('frees the name when its holder exits, so another server can take it', async () => {
    const a = await room();
    await Node.global.register('freed', a);
    expect(await Node.global.whereis('freed')).to.equal(a);
    await GenServer.stop(a);
    await until('freed', async () => (await Node.global.whereis('freed')) === undefined, 5000);
    const b = await room();
    await Node.global.register('freed', b);
    expect(await Node.global.whereis('freed')).to.equal(b);
    await GenServer.stop(b);
  });

  it('frees the names of a node killed with kill -9 once it is seen down', async () => {
    const holder = await startNode('global_node.ts', env('h', { RACE_NAME: 'room:h' }));
    await until('h won', () => holder.output.includes('won'));
    expect((await Node.global.whereis('room:h'))?.node).to.equal('h');
    const killed = Date.now();
    await holder.kill();
    await until('room:h freed', async () => (await Node.global.whereis('room:h')) === undefined, 10_000);
    // seen down within downAfterMs (1500) + a sweep; the rest is a margin for a loaded machine
    expect(Date.now() - killed).to.be.below(1500 + 125 + 3000);
    const mine = await room();
    await Node.global.register('room:h', mine);
    await GenServer.stop(mine);
  });

  it('routes call, cast, send and stop by { global } name, and fails a free name with NoProcError', async () => {
    const holder = await startNode('global_node.ts', env('g', { RACE_NAME: 'room:g' }));
    await until('g won', () => holder.output.includes('won'));
    const target = { global: 'room:g' };
    expect(await GenServer.call(target, 'join', 'ann')).to.deep.equal(['ann']);
    GenServer.cast(target, 'note', 'cast');
    GenServer.send(target, 'note', 'sent');
    expect(await GenServer.call(target, 'notes')).to.deep.equal(['cast', ['info', 'sent']]);
    await GenServer.stop(target);
    await until('room:g freed', async () => (await Node.global.whereis('room:g')) === undefined, 5000);
    const error = await GenServer.call({ global: 'room:nobody' }, 'join', 'x').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(NoProcError);
  });

  it('starts a server under { global } in exactly one of four racing processes; the losers reject with the holder and never run init', async () => {
    const racers: NodeProcess[] = await Promise.all(
      ['s1', 's2', 's3', 's4'].map((n) =>
        startNode('global_node.ts', env(n, { PEERS: '4', RACE_NAME: 'room:started', START_GLOBAL: '1' })),
      ),
    );
    const done = /\n(won|lost \S+|failed.*)\ninits (\d+) alive (\w+)\n/;
    await Promise.all(racers.map((r) => until(`${r.pid} raced`, () => done.test(r.output), 90_000)));
    const results = racers.map((r) => done.exec(r.output)!);
    const winners = results.map((m, i) => (m[1] === 'won' ? `s${i + 1}` : undefined)).filter((w) => w !== undefined);
    expect(winners, results.map((m) => m[0]).join(' | ')).to.have.length(1);
    for (const m of results) {
      if (m[1] === 'won') expect(m[2]).to.equal('1');
      else {
        expect(m[1]).to.equal(`lost ${winners[0]}`);
        expect(m[2], 'a loser ran init').to.equal('0');
      }
      // every racer sees the one holder alive
      expect(m[3]).to.equal('true');
    }
    expect(((await GenServer.call({ global: 'room:started' }, 'whoami')) as { node: string }).node).to.equal(winners[0]);
  });

  it('registers a server started here under { global } before its init runs; whereis({ global }) answers at once', async () => {
    const before = initsHere;
    const a = await CountedRoom.start({ members: [], notes: [] }, { name: { global: 'here:started' } });
    try {
      const found: ServerRef | undefined = GenServer.whereis({ global: 'here:started' });
      expect(found).to.equal(a);
      expect(GenServer.isAlive({ global: 'here:started' })).to.equal(true);
      expect((await Node.global.whereis('here:started'))?.node).to.equal('here');
      const error = await failure(CountedRoom.start({ members: [], notes: [] }, { name: { global: 'here:started' } }));
      expect(error).to.be.instanceOf(AlreadyStartedError);
      expect((error as AlreadyStartedError).serverName).to.deep.equal({ global: 'here:started' });
      expect((error as AlreadyStartedError).ref).to.equal(a);
      expect(initsHere - before, 'the loser ran init').to.equal(1);
      expect(await GenServer.call({ global: 'here:started' }, 'join', 'ann')).to.deep.equal(['ann']);
    } finally {
      await GenServer.stop(a);
    }
    expect(GenServer.whereis({ global: 'here:started' })).to.equal(undefined);
    // the name is free again at once for a new start (its delete is waited for)
    const b = await CountedRoom.start({ members: [], notes: [] }, { name: { global: 'here:started' } });
    expect(GenServer.whereis({ global: 'here:started' })).to.equal(b);
    await GenServer.stop({ global: 'here:started' });
  });

  it('sees a name registered on another node in whereis({ global }) and starts a server there under { global } with the node option', async () => {
    const other = await startNode('room_node.ts', env('o'));
    await until('o listed', () => Node.list().includes('o'));
    const ref = await Room.start({ members: [], notes: [] }, { node: 'o', name: { global: 'room:o' } });
    expect(ref!.node).to.equal('o');
    await until('copy has room:o', () => GenServer.whereis({ global: 'room:o' }) !== undefined, 5000);
    expect(GenServer.whereis({ global: 'room:o' })).to.equal(ref);
    expect(await GenServer.call({ global: 'room:o' }, 'join', 'bo')).to.deep.equal(['bo']);
    await other.kill();
  });

  it('awaits, monitors, links to and exits a server by { global } name', async () => {
    const holder = await startNode('global_node.ts', env('m', { RACE_NAME: 'room:m' }));
    await until('m won', () => holder.output.includes('won'));
    await until('copy has room:m', () => GenServer.whereis({ global: 'room:m' }) !== undefined, 5000);
    const watcher = await Watcher.start();
    try {
      expect(await GenServer.call(watcher, 'watch', { global: 'room:m' })).to.equal(true);
      expect(await GenServer.call(watcher, 'link', { global: 'room:m' })).to.equal(true);
      const exited = GenServer.awaitExit({ global: 'room:m' });
      // a monitor reaches the other node before the exit does: both travel the same way, in order
      await new Promise((resolve) => setTimeout(resolve, 200));
      GenServer.exit({ global: 'room:m' }, 'kill');
      expect(await exited).to.equal('killed');
      await until('DOWN and EXIT', async () => ((await GenServer.call(watcher, 'downs')) as unknown[]).length === 2, 5000);
      expect(await GenServer.call(watcher, 'downs')).to.have.members(['killed', 'EXIT killed']);
      await until('room:m freed', () => GenServer.whereis({ global: 'room:m' }) === undefined, 5000);
      // a name nobody holds: DOWN 'noproc' at once, awaitExit rejects with NoProcError
      await GenServer.call(watcher, 'watch', { global: 'room:m' });
      await until('noproc', async () => ((await GenServer.call(watcher, 'downs')) as unknown[]).length === 3, 5000);
      expect(((await GenServer.call(watcher, 'downs')) as unknown[])[2]).to.equal('noproc');
      await GenServer.call(watcher, 'link', { global: 'room:m' });
      await until('EXIT noproc', async () => ((await GenServer.call(watcher, 'downs')) as unknown[]).length === 4, 5000);
      expect(((await GenServer.call(watcher, 'downs')) as unknown[])[3]).to.equal('EXIT noproc');
      expect(await failure(GenServer.awaitExit({ global: 'room:m' }))).to.be.instanceOf(NoProcError);
    } finally {
      await GenServer.stop(watcher);
    }
  });

  it('restarts a Supervisor child with a global name under the same name after it crashes', async () => {
    const sup = await Supervisor.start([
      { id: 'lobby', start: () => Room.startLink({ members: [], notes: [] }, { name: { global: 'sup:lobby' } }) },
    ]);
    try {
      const first = GenServer.whereis({ global: 'sup:lobby' });
      expect(first).to.be.instanceOf(ServerRef);
      const previous = setLogger({ error() {}, warn() {}, info() {} });
      try {
        await failure(GenServer.call({ global: 'sup:lobby' }, 'crash', 'boom'));
        await until('restarted', () => {
          const now = GenServer.whereis({ global: 'sup:lobby' });
          return now !== undefined && now !== first;
        });
      } finally {
        setLogger(previous);
      }
      expect(await GenServer.call({ global: 'sup:lobby' }, 'join', 'again')).to.deep.equal(['again']);
      expect((await Node.global.whereis('sup:lobby'))?.node).to.equal('here');
    } finally {
      await GenServer.stop(sup);
    }
    await until('sup:lobby freed', () => GenServer.whereis({ global: 'sup:lobby' }) === undefined, 5000);
  });

  it('makes a stale holder find out that it lost the name (its revision moved on) and stop holding it', async () => {
    const mine = await room();
    await Node.global.register('contested', mine);
    const logs: string[] = [];
    const previous = setLogger({ error: (m) => logs.push(m), warn: (m) => logs.push(m), info() {} });
    let nc: NatsConnection | undefined;
    try {
      // What a successor does after this node was cut off: the entry now names someone else.
      nc = await connect({ servers: server.url });
      const kv = await new Kvm(nc).open('genserver-global');
      await kv.put(
        Buffer.from('contested').toString('base64url'),
        JSON.stringify({ node: 'elsewhere', session: 1, ref: { $: 'ref', node: 'elsewhere', inc: 1, id: 1, cls: 'Room' } }),
      );
      const names = await globalNames();
      await until('lost', () => !names.heldNames().includes('contested'), 10_000);
      expect(logs.join('\n')).to.match(/lost the global name 'contested'/);
      // it no longer answers as that name: calls go to the holder of record (no such node here)
      expect(GenServer.whereis({ global: 'contested' })).to.not.equal(mine);
      expect(await failure(GenServer.call({ global: 'contested' }, 'join', 'x'))).to.be.instanceOf(NodeDownError);
      expect(await GenServer.call(mine, 'join', 'direct')).to.deep.equal(['direct']);
      // the holder of record is the successor, and this server's exit does not delete its entry
      expect((await Node.global.whereis('contested'))?.node).to.equal('elsewhere');
      await GenServer.stop(mine);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect((await Node.global.whereis('contested'))?.node).to.equal('elsewhere');
      await kv.delete(Buffer.from('contested').toString('base64url'));
    } finally {
      setLogger(previous);
      await nc?.close();
    }
  });
});
