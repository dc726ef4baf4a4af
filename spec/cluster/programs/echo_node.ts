// A node for the transport specs: joins a cluster over NATS and answers frames.
//   F_CALL 'echo'  → F_REPLY with the payload;   F_CALL 'big' → a reply of `payload` bytes
//   F_CAST 'echo'  → an F_CAST back with the same tag and payload
//   F_CAST 'exit'  → exits at once (code 0, no goodbye)
// Env: NATS_URL, NODE_NAME, CLUSTER, HEARTBEAT_MS, DOWN_AFTER_MS, NATS_USER, NATS_PASS.
import { NatsTransport } from '../../../lib/node/nats/transport';
import { F_CALL, F_CAST, F_REPLY, R_OK, type Frame } from '../../../lib/node/transport';

async function main(): Promise<void> {
  const env = process.env;
  const transport = await NatsTransport.connect({
    name: env.NODE_NAME!,
    servers: env.NATS_URL!.split(','),
    cluster: env.CLUSTER,
    heartbeatMs: env.HEARTBEAT_MS === undefined ? undefined : Number(env.HEARTBEAT_MS),
    downAfterMs: env.DOWN_AFTER_MS === undefined ? undefined : Number(env.DOWN_AFTER_MS),
    user: env.NATS_USER,
    pass: env.NATS_PASS,
  });
  transport.attach({
    frame(from: string, frame: Frame) {
      const [kind] = frame;
      if (kind === F_CALL) {
        const [, callId, , tag, payload] = frame;
        const value = tag === 'big' ? new Uint8Array(payload as number) : payload;
        transport.send(from, [F_REPLY, callId, R_OK, value, 0]);
      } else if (kind === F_CAST) {
        const [, , tag, payload] = frame;
        if (tag === 'exit') process.exit(0);
        transport.send(from, [F_CAST, 0, tag, payload, 0, 0]);
      }
    },
    nodeUp(node: string) {
      console.log(`up ${node}`);
    },
    nodeDown(node: string, reason: unknown) {
      console.log(`down ${node} ${String(reason)}`);
    },
  });
  process.on('SIGTERM', () => void transport.close().then(() => process.exit(0)));
  console.log('ready');
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
