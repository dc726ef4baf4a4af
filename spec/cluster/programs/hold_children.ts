// A user of the spec support for spec_support.spec.ts: starts a nats-server and a node program,
// prints `pids <nats-server> <node> <reaper>`, then per MODE waits to be signalled ('wait', the
// default) or dies of an uncaught exception ('throw'). Run as a program, or from mocha through
// fixtures/hold_children.fixture.ts. Env: MODE.
import { reaperPid } from '../../support/children';
import { NatsServer } from '../../support/nats_server';
import { startNode } from '../../support/node_process';

export async function holdChildren(mode = process.env.MODE ?? 'wait'): Promise<void> {
  const server = await NatsServer.start({ jetstream: false });
  const node = await startNode('echo_node.ts', { NATS_URL: server.url, NODE_NAME: 'held' });
  console.log(`pids ${server.pid} ${node.pid} ${reaperPid()}`);
  if (mode === 'throw')
    setTimeout(() => {
      throw new Error('an uncaught exception, on purpose');
    }, 50);
  else setInterval(() => undefined, 1000);
  await new Promise(() => undefined);
}

if (require.main === module) void holdChildren();
