// One chat node: joins the cluster at NATS_URL as NODE_NAME, runs the chat tree (chat.ts), says
// `ready`, and leaves the cluster on SIGTERM. Started three times by app.ts.
import 'reflect-metadata';
import { Node } from '../../lib';
import { startChatNode } from './chat';
import { CLUSTER_KNOBS } from './knobs';

async function main(): Promise<void> {
  await Node.connect({ name: process.env.NODE_NAME!, servers: process.env.NATS_URL!.split(','), ...CLUSTER_KNOBS });
  await startChatNode();
  process.on('SIGTERM', () => void Node.disconnect().then(() => process.exit(0)));
  console.log('ready');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
