import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Kvm } from '@nats-io/kv';
import { performance } from 'node:perf_hooks';
import { Counter } from '../fixtures';
import { GenServer, Node, type ServerRef } from '../../lib';
import { NatsServer, natsServerInstalled } from '../../spec/support/nats_server';
import { startNode, stopAll } from '../../spec/support/node_process';
import { interleaved, opsPerSecond, stats } from '../harness';
import { atLeastTimes, row, type Row, type Workload } from '../workload';

const BATCH = 200;

/**
 * Cross-node calls over NATS on loopback: this process and a node process (room_node.ts) joined
 * through one nats-server; the baseline is plain nats.js request/reply between the same two
 * processes (a responder on a connection of its own there, echoing the bytes). Skipped with a
 * notice when nats-server is not installed.
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
      await Node.connect({ name: 'bench', servers: server.url });
      await startNode('room_node.ts', { NATS_URL: server.url, NODE_NAME: 'bench-b', RAW_ECHO: '1' });
      raw = await connect({ servers: server.url });
      const nc = raw;
      const lobby = ((await GenServer.call({ name: 'lobby', node: 'bench-b' }, 'whoami')) as { self: ServerRef }).self;
      const payload = new TextEncoder().encode('ann');
      const rows: Row[] = [];

      const seq = await interleaved(
        (ms) =>
          opsPerSecond(ms, async () => {
            for (let i = 0; i < BATCH; i++) await GenServer.call(lobby, 'echo', 'ann');
            return BATCH;
          }),
        (ms) =>
          opsPerSecond(ms, async () => {
            for (let i = 0; i < BATCH; i++) await nc.request('raw.echo', payload);
            return BATCH;
          }),
        config,
      );
      rows.push({
        ...row(
          'nats_seq',
          'cross-node sequential call (vs raw nats.js request/reply)',
          'ops/s',
          seq.ours,
          seq.base,
          atLeastTimes(0.8, 'raw nats.js'),
        ),
      });

      const inFlight = 64;
      const c64 = await interleaved(
        (ms) =>
          opsPerSecond(ms, async () => {
            const calls: Promise<unknown>[] = [];
            for (let i = 0; i < inFlight; i++) calls.push(GenServer.call(lobby, 'echo', 'ann'));
            await Promise.all(calls);
            return inFlight;
          }),
        (ms) =>
          opsPerSecond(ms, async () => {
            const calls: Promise<unknown>[] = [];
            for (let i = 0; i < inFlight; i++) calls.push(nc.request('raw.echo', payload));
            await Promise.all(calls);
            return inFlight;
          }),
        config,
      );
      rows.push(
        row('nats_64', 'cross-node calls, 64 in flight (vs raw nats.js)', 'ops/s', c64.ours, c64.base, atLeastTimes(0.8, 'raw nats.js')),
      );

      const casts = await interleaved(
        (ms) =>
          opsPerSecond(ms, async () => {
            for (let i = 0; i < 1000; i++) GenServer.cast(lobby, 'tick', 'ann');
            await GenServer.call(lobby, 'echo', 'sync');
            return 1000;
          }),
        (ms) =>
          opsPerSecond(ms, async () => {
            for (let i = 0; i < 1000; i++) nc.publish('raw.sink', payload);
            await nc.request('raw.echo', payload);
            return 1000;
          }),
        config,
      );
      rows.push(row('nats_casts', 'cross-node casts, 1000 then 1 call (vs raw nats.js publish)', 'ops/s', casts.ours, casts.base));

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
