// The server the cluster-singleton specs run once per cluster: it says where it started.
import { GenServer, Node, type ServerRef, handleCall, init, reply } from '../../../lib';

export class Directory extends GenServer<{ node: string; started: number }> {
  /** How many times init ran in this process. */
  static starts = 0;

  @init
  setup(label: string) {
    Directory.starts++;
    // Said by node programs (the spec counts the lines in their output), not by the spec's own process.
    if (process.env.NODE_NAME !== undefined) console.log(`singleton ${label} started on ${Node.self()}`);
    return { node: Node.self(), started: Date.now() };
  }

  @handleCall('whoami')
  whoami(_: unknown, state: { node: string; started: number }) {
    const self: ServerRef = this.self;
    return reply({ node: state.node, self }, state);
  }

  @handleCall('crash')
  crash(message: string): never {
    throw new RangeError(message);
  }
}
