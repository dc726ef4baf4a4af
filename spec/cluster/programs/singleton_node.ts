// A node for the cluster-singleton specs: joins, and runs a Supervisor whose one child is the
// cluster singleton Directory under { global: SINGLETON }. With PLACEMENT=no its copy only watches.
// Env: NATS_URL, NODE_NAME, SINGLETON, PLACEMENT, HEARTBEAT_MS, DOWN_AFTER_MS, LEASE_MS.
import 'reflect-metadata';
import { ClusterSingleton, Node, Supervisor } from '../../../lib';
import { Directory } from './directory';

async function main(): Promise<void> {
  const env = process.env;
  await Node.connect({
    name: env.NODE_NAME!,
    servers: env.NATS_URL!.split(','),
    heartbeatMs: env.HEARTBEAT_MS === undefined ? undefined : Number(env.HEARTBEAT_MS),
    downAfterMs: env.DOWN_AFTER_MS === undefined ? undefined : Number(env.DOWN_AFTER_MS),
    global: { leaseMs: env.LEASE_MS === undefined ? undefined : Number(env.LEASE_MS) },
  });
  const name = env.SINGLETON!;
  await Supervisor.start([
    ClusterSingleton.childSpec(Directory, name, {
      name: { global: name },
      placement: env.PLACEMENT === 'no' ? () => false : undefined,
    }),
  ]);
  process.on('SIGTERM', () => void Node.disconnect().then(() => process.exit(0)));
  console.log('ready');
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
