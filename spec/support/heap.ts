// Heap measurement for the leak specs: a full collection, then the used heap. `gc` is reached
// without starting mocha with --expose-gc: the flag is set at run time and `gc` is taken from a
// fresh context, where V8 installs it once the flag is on.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** The used heap in bytes after full collections (and a turn, so settled promises are let go). */
export async function heapAfterGc(): Promise<number> {
  await new Promise((resolve) => setImmediate(resolve));
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}
