// A node for the global-name specs: joins, starts a Room, waits until PEERS other nodes are
// listed, then races for the global name RACE_NAME and prints `won` or `lost <holder's node>`.
// Env: NATS_URL, NODE_NAME, PEERS, RACE_NAME, HEARTBEAT_MS, DOWN_AFTER_MS, LEASE_MS.
import 'reflect-metadata';
import { AlreadyStartedError, Node, type ServerRef } from '../../../lib';
import { Room } from './rooms';

async function main(): Promise<void> {
  const env = process.env;
  await Node.connect({
    name: env.NODE_NAME!,
    servers: env.NATS_URL!.split(','),
    heartbeatMs: env.HEARTBEAT_MS === undefined ? undefined : Number(env.HEARTBEAT_MS),
    downAfterMs: env.DOWN_AFTER_MS === undefined ? undefined : Number(env.DOWN_AFTER_MS),
    global: env.LEASE_MS === undefined ? undefined : { leaseMs: Number(env.LEASE_MS) },
  });
  const room = await Room.start({ members: [], notes: [] });
  process.on('SIGTERM', () => void Node.disconnect().then(() => process.exit(0)));
  console.log('ready');
  const peers = Number(env.PEERS ?? '0');
  while (Node.list().length < peers) await new Promise((resolve) => setTimeout(resolve, 5));
  try {
    await Node.global.register(env.RACE_NAME!, room);
    console.log('won');
  } catch (error) {
    if (error instanceof AlreadyStartedError) console.log(`lost ${(error.ref as ServerRef).node}`);
    else console.log(`failed ${String(error)}`);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
