import { expect } from 'chai';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Kvm } from '@nats-io/kv';
import { AlreadyStartedError, GenServer, Node, NoProcError, ServerRef, setLogger } from '../../lib';
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
