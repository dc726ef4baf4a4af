// A server for the threads case: the worker thread loads this module and finds Squarer by its name.
import { GenServer, handleCall, init, reply } from 'genserver-ts';

export class Squarer extends GenServer {
  @init setup(start: number) {
    return start;
  }

  @handleCall('square') square(n: number, calls: number) {
    return reply({ square: n * n, calls: calls + 1 }, calls + 1);
  }
}
