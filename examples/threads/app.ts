// The same CPU-heavy servers, first on the main thread, then on two worker threads behind a
// PartitionSupervisor: the code that talks to them does not change, only where they run.
import { GenServer, Node, PartitionSupervisor, type ServerRef } from '../../lib';
import { Hasher } from './hasher';

const JOBS = 200;
const ROUNDS = 20_000;

async function runJobs(ps: ServerRef): Promise<{ ms: number; checksum: number }> {
  const started = performance.now();
  const results = await Promise.all(
    Array.from({ length: JOBS }, (_, i) =>
      GenServer.call(PartitionSupervisor.via(ps, `job:${i}`), 'hash', { text: `job:${i}`, rounds: ROUNDS }, Infinity),
    ),
  );
  return { ms: performance.now() - started, checksum: results.reduce<number>((a, b) => (a ^ (b as number)) >>> 0, 0) };
}

export async function main(): Promise<void> {
  // 1. Four partitions on this thread: they take turns on one core.
  const local = await PartitionSupervisor.start({ child: Hasher, partitions: 4 });
  const one = await runJobs(local);
  await GenServer.stop(local);
  console.log(`main thread only: ${JOBS} jobs in ${one.ms.toFixed(0)} ms`);

  // 2. The same four partitions spread over two worker threads (nodes).
  const nodes = await Node.startThreads(2, { modules: [require.resolve('./hasher')] });
  try {
    const spread = await PartitionSupervisor.start({ child: Hasher, partitions: 4, nodes });
    const nodesOf = PartitionSupervisor.whichChildren(spread).map((c) => (c.ref as ServerRef).node);
    console.log(`partitions run on: ${nodesOf.join(', ')}`);
    const two = await runJobs(spread);
    console.log(`two worker threads: ${JOBS} jobs in ${two.ms.toFixed(0)} ms`);
    console.log(`same results: ${one.checksum === two.checksum}`);
    console.log(`speed-up: ${(one.ms / two.ms).toFixed(2)}x (on a busy machine it is less than the cores suggest)`);
    await GenServer.stop(spread);
  } finally {
    await Node.stopThreads();
  }
}

if (require.main === module) void main();
