import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Kvm } from '@nats-io/kv';
import { performance } from 'node:perf_hooks';
import { Counter } from '../fixtures';
import { GenServer, Node, type ServerRef } from '../../lib';
import { NatsServer, natsServerInstalled } from '../../spec/support/nats_server';
import { startNode, stopAll } from '../../spec/support/node_process';
import { natsTransport } from '../../lib/node/nats/connect';
import { collect, interleaved, type Config, type Measure, opsPerSecond, type Stats, stats } from '../harness';
import { atLeastTimes, row, type Row, type Workload } from '../workload';

const BATCH = 200;

/**
 * Like the harness's `interleaved`, for more than two sides: each round measures every side once,
 * the order rotating, after one short unmeasured warm-up each.
 */
async function threeWay(sides: readonly Measure[], config: Config): Promise<Stats[]> {
  const budget = config.roundMs / 2;
  if (!config.quick) for (const measure of sides) await measure(budget / 4);
  const values: number[][] = sides.map(() => []);
  for (let round = 0; round < config.rounds; round++) {
    for (let k = 0; k < sides.length; k++) {
      const i = (round + k) % sides.length;
      collect();
      values[i].push(await sides[i](budget));
    }
  }
  return values.map((v) => stats(v));
}

/** A before/after row: ours against ours with the transport's batching off. */
function abRow(key: string, name: string, batched: Stats, unbatched: Stats): Row {
  return { ...row(key, name, 'ops/s', batched, unbatched), referenceName: 'unbatched' };
}

/**
 * Cross-node calls over NATS on loopback: this process and a node process (room_node.ts) joined
 * through one nats-server; the baseline is plain nats.js request/reply between the same two
 * processes (a responder on a connection of its own there, echoing the bytes). A second node
 * process runs with the transport's batching off, so each figure also has its before/after (batched
 * against one publish per frame) from the same run. Skipped with a notice when nats-server is not
 * installed.
 */
export const cluster: Workload = {
  key: 'cluster',
  name: 'cross-node over NATS',
  async run(config) {
    if (!natsServerInstalled()) {
      console.log('  skipped: nats-server is not installed (apt-get install -y nats-server)');
      return [];
    }
    const server = await NatsServer.start();
    let raw: NatsConnection | undefined;
    try {
      // Batching on (the default) here and on bench-b, off on bench-c: the bench measures it on against off.
      delete process.env.GENSERVER_NATS_BATCH;
      await Node.connect({ name: 'bench', servers: server.url });
      await startNode('room_node.ts', { NATS_URL: server.url, NODE_NAME: 'bench-b', RAW_ECHO: '1' });
      await startNode('room_node.ts', { NATS_URL: server.url, NODE_NAME: 'bench-c', NO_BATCH: '1' });
      raw = await connect({ servers: server.url });
      const nc = raw;
      const lobby = ((await GenServer.call({ name: 'lobby', node: 'bench-b' }, 'whoami')) as { self: ServerRef }).self;
      const plain = ((await GenServer.call({ name: 'lobby', node: 'bench-c' }, 'whoami')) as { self: ServerRef }).self;
      const payload = new TextEncoder().encode('ann');
      const rows: Row[] = [];

      // Three sides, interleaved: ours (frames batched per turn), ours with batching off (the
      // transport before batching: one publish per frame, on both nodes), raw nats.js.
      const transport = natsTransport()!;
      const unbatched =
        (measure: Measure): Measure =>
        async (ms) => {
          transport.batchFrames = false;
          try {
            return await measure(ms);
          } finally {
            transport.batchFrames = true;
          }
        };
      const seqOf =
        (target: ServerRef): Measure =>
        (ms) =>
          opsPerSecond(ms, async () => {
            for (let i = 0; i < BATCH; i++) await GenServer.call(target, 'echo', 'ann');
            return BATCH;
          });
      const seq = await threeWay(
        [
          seqOf(lobby),
          unbatched(seqOf(plain)),
          (ms) =>
            opsPerSecond(ms, async () => {
              for (let i = 0; i < BATCH; i++) await nc.request('raw.echo', payload);
              return BATCH;
            }),
        ],
        config,
      );
      rows.push(
        row(
          'nats_seq',
          'cross-node sequential call (vs raw nats.js request/reply)',
          'ops/s',
          seq[0],
          seq[2],
          atLeastTimes(0.8, 'raw nats.js'),
        ),
        abRow('nats_seq_ab', 'cross-node sequential call, batched (vs unbatched)', seq[0], seq[1]),
      );

      const inFlight = 64;
      const manyOf =
        (target: ServerRef): Measure =>
        (ms) =>
          opsPerSecond(ms, async () => {
            const calls: Promise<unknown>[] = [];
            for (let i = 0; i < inFlight; i++) calls.push(GenServer.call(target, 'echo', 'ann'));
            await Promise.all(calls);
            return inFlight;
          });
      const c64 = await threeWay(
        [
          manyOf(lobby),
          unbatched(manyOf(plain)),
          (ms) =>
            opsPerSecond(ms, async () => {
              const calls: Promise<unknown>[] = [];
              for (let i = 0; i < inFlight; i++) calls.push(nc.request('raw.echo', payload));
              await Promise.all(calls);
              return inFlight;
            }),
        ],
        config,
      );
      rows.push(
        row('nats_64', 'cross-node calls, 64 in flight (vs raw nats.js)', 'ops/s', c64[0], c64[2], atLeastTimes(0.8, 'raw nats.js')),
        abRow('nats_64_ab', 'cross-node calls, 64 in flight, batched (vs unbatched)', c64[0], c64[1]),
      );

      const castsTo =
        (target: ServerRef): Measure =>
        (ms) =>
          opsPerSecond(ms, async () => {
            for (let i = 0; i < 1000; i++) GenServer.cast(target, 'tick', 'ann');
            await GenServer.call(target, 'echo', 'sync');
            return 1000;
          });
      const casts = await threeWay(
        [
          castsTo(lobby),
          unbatched(castsTo(plain)),
          (ms) =>
            opsPerSecond(ms, async () => {
              for (let i = 0; i < 1000; i++) nc.publish('raw.sink', payload);
              await nc.request('raw.echo', payload);
              return 1000;
            }),
        ],
        config,
      );
      rows.push(
        row('nats_casts', 'cross-node casts, 1000 then 1 call (vs raw nats.js publish)', 'ops/s', casts[0], casts[2]),
        abRow('nats_casts_ab', 'cross-node casts, batched (vs unbatched)', casts[0], casts[1]),
      );

      // Global names: register + free (ours: through the node's lease bookkeeping) against raw KV
      // create + delete; lookups against raw KV get.
      await Node.global.names(); // opens (creates) the bucket
      const kv = await new Kvm(nc).open('genserver-global');
      const holder = await Counter.start(0);
      let n = 0;
      const reg = await interleaved(
        (ms) =>
          opsPerSecond(ms, async () => {
            const name = `bench:${n++}`;
            await Node.global.register(name, holder);
            await Node.global.unregister(name);
            return 1;
          }),
        (ms) =>
          opsPerSecond(ms, async () => {
            const key = `raw${n++}`;
            const revision = await kv.create(key, 'x');
            await kv.delete(key, { previousSeq: revision });
            return 1;
          }),
        config,
      );
      rows.push(row('global_register', 'global name register + unregister (vs raw KV create + delete)', 'ops/s', reg.ours, reg.base));
      await Node.global.register('bench:lookup', holder);
      await kv.put('rawlookup', 'x');
      const look = await interleaved(
        (ms) =>
          opsPerSecond(ms, async () => {
            await Node.global.whereis('bench:lookup');
            return 1;
          }),
        (ms) =>
          opsPerSecond(ms, async () => {
            await kv.get('rawlookup');
            return 1;
          }),
        config,
      );
      rows.push(row('global_lookup', 'global name lookup (vs raw KV get)', 'ops/s', look.ours, look.base));
      await GenServer.stop(holder);

      // Failover: a node holding a global name is killed with kill -9; the time until this node
      // has taken the name over (node down seen, name freed, registered here).
      const times: number[] = [];
      for (let i = 0; i < (config.quick ? 1 : 3); i++) {
        const name = `bench:failover:${i}`;
        const other = await startNode('global_node.ts', { NATS_URL: server.url, NODE_NAME: `bench-f${i}`, RACE_NAME: name });
        await other.waitFor('won');
        const mine = await Counter.start(0);
        const killed = performance.now();
        await other.kill();
        for (;;) {
          try {
            await Node.global.register(name, mine);
            break;
          } catch {
            await new Promise((resolve) => setTimeout(resolve, 10));
          }
        }
        times.push(performance.now() - killed);
        await GenServer.stop(mine);
      }
      rows.push(
        row('failover', `global name failover after kill -9 (heartbeat 1000 ms, down after 4000 ms)`, 'ms', stats(times), undefined),
      );
      return rows;
    } finally {
      await raw?.close();
      await Node.disconnect();
      await stopAll();
      await server.stop();
    }
  },
};
