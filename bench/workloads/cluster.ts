import { connect, type NatsConnection } from '@nats-io/transport-node';
import { GenServer, Node, type ServerRef } from '../../lib';
import { NatsServer, natsServerInstalled } from '../../spec/support/nats_server';
import { startNode, stopAll } from '../../spec/support/node_process';
import { interleaved, opsPerSecond } from '../harness';
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
        (ms) => opsPerSecond(ms, async () => {
          for (let i = 0; i < BATCH; i++) await GenServer.call(lobby, 'echo', 'ann');
          return BATCH;
        }),
        (ms) => opsPerSecond(ms, async () => {
          for (let i = 0; i < BATCH; i++) await nc.request('raw.echo', payload);
          return BATCH;
        }),
        config,
      );
      rows.push({ ...row('nats_seq', 'cross-node sequential call (vs raw nats.js request/reply)', 'ops/s', seq.ours, seq.base, atLeastTimes(0.8, 'raw nats.js')) });

      const inFlight = 64;
      const c64 = await interleaved(
        (ms) => opsPerSecond(ms, async () => {
          const calls: Promise<unknown>[] = [];
          for (let i = 0; i < inFlight; i++) calls.push(GenServer.call(lobby, 'echo', 'ann'));
          await Promise.all(calls);
          return inFlight;
        }),
        (ms) => opsPerSecond(ms, async () => {
          const calls: Promise<unknown>[] = [];
          for (let i = 0; i < inFlight; i++) calls.push(nc.request('raw.echo', payload));
          await Promise.all(calls);
          return inFlight;
        }),
        config,
      );
      rows.push(row('nats_64', 'cross-node calls, 64 in flight (vs raw nats.js)', 'ops/s', c64.ours, c64.base, atLeastTimes(0.8, 'raw nats.js')));

      const casts = await interleaved(
        (ms) => opsPerSecond(ms, async () => {
          for (let i = 0; i < 1000; i++) GenServer.cast(lobby, 'tick', 'ann');
          await GenServer.call(lobby, 'echo', 'sync');
          return 1000;
        }),
        (ms) => opsPerSecond(ms, async () => {
          for (let i = 0; i < 1000; i++) nc.publish('raw.sink', payload);
          await nc.request('raw.echo', payload);
          return 1000;
        }),
        config,
      );
      rows.push(row('nats_casts', 'cross-node casts, 1000 then 1 call (vs raw nats.js publish)', 'ops/s', casts.ours, casts.base));
      return rows;
    } finally {
      await raw?.close();
      await Node.disconnect();
      await stopAll();
      await server.stop();
    }
  },
};
