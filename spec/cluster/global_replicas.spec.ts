import { expect } from 'chai';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import { AlreadyStartedError, GenServer, Node, setLogger } from '../../lib';
import { NatsCluster, natsServerInstalled } from '../support/nats_server';
import { startNode, stopAll } from '../support/node_process';
import { Room } from './programs/rooms';

// Global names on a 3-server NATS cluster: the names bucket is replicated three times
// (`global.replicas: 3`), so the names, lookups and new registrations survive one NATS server dying.

async function until(what: string, test: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await test())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const STREAM = 'KV_genserver-global';

/** Makes `server` the names bucket's stream leader (a stepdown elects one of the others at random: asked until it is this one). */
async function lead(jsm: JetStreamManager, nc: NatsConnection, server: string): Promise<void> {
  for (let attempt = 0; attempt < 30; attempt++) {
    const leader = (await jsm.streams.info(STREAM)).cluster?.leader;
    if (leader === server) return;
    if (leader !== undefined) await nc.request(`$JS.API.STREAM.LEADER.STEPDOWN.${STREAM}`, '', { timeout: 5000 }).catch(() => undefined);
    await sleep(500);
  }
  throw new Error(`${server} did not become the stream leader of ${STREAM}`);
}

/** Resolves when the entry of `name` is rewritten (its holder's node refreshing the lease). */
async function nextRefresh(kv: KV, name: string): Promise<void> {
  const key = Buffer.from(name, 'utf8').toString('base64url');
  const revision = (await kv.get(key))?.revision ?? 0;
  const watcher = await kv.watch({ key });
  try {
    for await (const entry of watcher) if (entry.revision > revision) return;
  } finally {
    watcher.stop();
  }
}

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (e: unknown) => e,
  );

describe('global names on a 3-server NATS cluster (global.replicas: 3)', function () {
  this.timeout(240_000);
  let cluster: NatsCluster;
  let nc: NatsConnection | undefined;

  before(async function () {
    if (!natsServerInstalled()) this.skip();
    cluster = await NatsCluster.start(3);
  });
  after(async () => {
    await stopAll();
    await nc?.close();
    await Node.disconnect();
    await cluster?.stop();
  });

  it('keeps names, lookups and new registrations working after one of the three NATS servers is killed', async () => {
    // The first node creates the bucket with three replicas; it talks to the first server only.
    await Node.connect({
      name: 'here',
      servers: cluster.servers[0].url,
      heartbeatMs: 250,
      downAfterMs: 3000,
      global: { replicas: 3, leaseMs: 15_000 },
    });
    nc = await connect({ servers: cluster.servers[2].url });
    const kv = await new Kvm(nc).open('genserver-global');
    expect((await kv.status()).replicas).to.equal(3);
    // The worst case on every run: the server this node talks to also leads the bucket's stream.
    await lead(await jetstreamManager(nc), nc, cluster.servers[0].name);

    // a node on the second and third servers holds a name; a server here holds another
    const holder = await startNode('global_node.ts', {
      NATS_URL: [cluster.servers[1].url, cluster.servers[2].url].join(','),
      NODE_NAME: 'h',
      RACE_NAME: 'room:r3',
      HEARTBEAT_MS: '250',
      DOWN_AFTER_MS: '3000',
      LEASE_MS: '15000',
      REPLICAS: '3',
    });
    await holder.waitFor('won');
    const mine = await Room.start({ members: [], notes: [] }, { name: { global: 'room:here' } });

    // the server this node is connected to dies, shortly before this node's next lease refresh is
    // due (one third of the lease after the last): the client moves to another server of the cluster,
    // and the refresh meets a stream with no leader until the two left elect one
    await nextRefresh(kv, 'room:here');
    await sleep(15_000 / 3 - 500);
    // What the nodes log while the server fails over is kept, and shown if an expectation fails.
    const said: string[] = [];
    const keep = (level: string) => (message: string) => said.push(`${new Date().toISOString()} ${level} ${message}`);
    const previous = setLogger({ error: keep('error'), warn: keep('warn'), info: keep('info') });
    try {
      await cluster.servers[0].kill();
      await until('a call by global name after the kill', async () => {
        const who = await GenServer.call({ global: 'room:r3' }, 'whoami', undefined, 2000).catch(() => undefined);
        return (who as { node: string } | undefined)?.node === 'h';
      });
      // the names are still in the bucket (read from it, not from this node's copy)
      expect((await Node.global.whereis('room:r3'))?.node).to.equal('h');
      expect(await Node.global.whereis('room:here')).to.equal(mine);
      // two replicas of three are a quorum: a new name can be registered, and a taken one is still refused
      await until('a new registration', async () => {
        const ref = await Room.start({ members: [], notes: [] }, { name: { global: 'room:after' } }).catch(() => undefined);
        return ref !== undefined;
      });
      expect(GenServer.whereis({ global: 'room:after' })?.node).to.equal('here');
      const error = await failure(Room.start({ members: [], notes: [] }, { name: { global: 'room:r3' } }));
      expect(error).to.be.instanceOf(AlreadyStartedError);
      expect((error as AlreadyStartedError).serverName).to.deep.equal({ global: 'room:r3' });
      // and the leases are refreshed on the two servers left: the names outlive a lease (15 s, the default;
      // a lease must outlast JetStream's election of a new leader for the bucket, which takes seconds)
      await new Promise((resolve) => setTimeout(resolve, 15_000 + 1000));
      expect((await Node.global.whereis('room:r3'))?.node).to.equal('h');
      expect(await Node.global.whereis('room:here')).to.equal(mine);
    } catch (error) {
      (error as Error).message += `\nlogged here meanwhile:\n${said.join('\n')}\nthe other node printed:\n${holder.output}`;
      throw error;
    } finally {
      setLogger(previous);
      await GenServer.stop(mine).catch(() => undefined);
      await GenServer.stop({ global: 'room:after' }).catch(() => undefined);
    }
    expect(await stopAll()).to.equal(1);
  });
});
