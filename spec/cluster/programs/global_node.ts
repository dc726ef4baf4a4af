// A node for the global-name specs: joins, starts a Room, waits until PEERS other nodes are
// listed, then races for the global name RACE_NAME and prints `won` or `lost <holder's node>`.
// With START_GLOBAL=1 it races by starting a server under { global: RACE_NAME } instead of
// registering one, and then prints `inits <n>`: how many of its servers ran init.
// Env: NATS_URL, NODE_NAME, PEERS, RACE_NAME, START_GLOBAL, HEARTBEAT_MS, DOWN_AFTER_MS, LEASE_MS, REPLICAS.
import 'reflect-metadata';
import { AlreadyStartedError, GenServer, Node, type ServerRef, init } from '../../../lib';
import { Room } from './rooms';

let inits = 0;
class CountedRoom extends Room {
  @init
  setup(arg: { members: string[]; notes: unknown[] }) {
    inits++;
    return arg;
  }
}

async function main(): Promise<void> {
  const env = process.env;
  await Node.connect({
    name: env.NODE_NAME!,
    servers: env.NATS_URL!.split(','),
    heartbeatMs: env.HEARTBEAT_MS === undefined ? undefined : Number(env.HEARTBEAT_MS),
    downAfterMs: env.DOWN_AFTER_MS === undefined ? undefined : Number(env.DOWN_AFTER_MS),
    global: {
      leaseMs: env.LEASE_MS === undefined ? undefined : Number(env.LEASE_MS),
      replicas: env.REPLICAS === undefined ? undefined : Number(env.REPLICAS),
    },
  });
  const room = await Room.start({ members: [], notes: [] });
  process.on('SIGTERM', () => void Node.disconnect().then(() => process.exit(0)));
  console.log('ready');
  const peers = Number(env.PEERS ?? '0');
  while (Node.list().length < peers) await new Promise((resolve) => setTimeout(resolve, 5));
  try {
    if (env.START_GLOBAL === '1') await CountedRoom.start({ members: [], notes: [] }, { name: { global: env.RACE_NAME! } });
    else await Node.global.register(env.RACE_NAME!, room);
    console.log('won');
  } catch (error) {
    if (error instanceof AlreadyStartedError) console.log(`lost ${(error.ref as ServerRef).node}`);
    else console.log(`failed ${String(error)}`);
  }
  if (env.START_GLOBAL === '1') console.log(`inits ${inits} alive ${GenServer.isAlive({ global: env.RACE_NAME! })}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
