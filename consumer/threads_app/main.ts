// Servers on worker threads, as a user runs them: the thread loads squarer.ts (or, once compiled,
// squarer.js) under the same toolchain as this program (tsx's loader, ts-node's hook, or plain Node).
import { dirname, extname, join } from 'node:path';
import { GenServer, Node } from 'genserver-ts';
import { Squarer } from './squarer.js';

async function main(): Promise<string> {
  const entry = process.argv[1] ?? '';
  const module = join(dirname(entry), `squarer${extname(entry) || '.js'}`);
  const [thread] = await Node.startThreads(1, { modules: [module] });
  try {
    const ref = await Squarer.start(0, { node: thread });
    if (ref.node !== thread) throw new Error(`expected the server on ${thread}, got ${ref.node}`);
    const first = await GenServer.call(ref, 'square', 7);
    const second = await GenServer.call(ref, 'square', 12);
    return `${JSON.stringify(first)} ${JSON.stringify(second)} on ${thread}`;
  } finally {
    await Node.stopThreads();
  }
}

main().then(
  (summary) => console.log(`threads ok (node ${process.versions.node}): ${summary}`),
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
