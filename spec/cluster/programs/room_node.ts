// A node for the Node-level cluster specs: joins over NATS, knows the Room class, and serves a
// Room named 'lobby' (unless NO_LOBBY is set), and with RAW_ECHO a plain nats.js echo responder;
// NO_BATCH turns the transport's batching off (the benchmarks' before/after). Env: NATS_URL,
// NODE_NAME, HEARTBEAT_MS, DOWN_AFTER_MS.
import 'reflect-metadata';
import { Node } from '../../../lib';
import { natsTransport } from '../../../lib/node/nats/connect';
import { Room } from './rooms';

async function main(): Promise<void> {
  const env = process.env;
  await Node.connect({
    name: env.NODE_NAME!,
    servers: env.NATS_URL!.split(','),
    heartbeatMs: env.HEARTBEAT_MS === undefined ? undefined : Number(env.HEARTBEAT_MS),
    downAfterMs: env.DOWN_AFTER_MS === undefined ? undefined : Number(env.DOWN_AFTER_MS),
  });
  if (env.NO_BATCH !== undefined) natsTransport()!.batchFrames = false;
  if (env.NO_LOBBY === undefined) await Room.start({ members: [], notes: [] }, { name: 'lobby' });
  if (env.RAW_ECHO !== undefined) {
    // The benchmarks' baseline: plain nats.js request/reply on a connection of its own.
    const { connect } = await import('@nats-io/transport-node');
    const raw = await connect({ servers: env.NATS_URL!.split(',') });
    raw.subscribe('raw.echo', { callback: (_err, msg) => void msg.respond(msg.data) });
    raw.subscribe('raw.sink', { callback: () => undefined });
    await raw.flush();
  }
  process.on('SIGTERM', () => void Node.disconnect().then(() => process.exit(0)));
  console.log('ready');
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
