import { inspect } from 'node:util';
import { AssertionError } from 'node:assert';

/**
 * Resolves to what `promise` rejects with, and rejects with an AssertionError if it resolves
 * instead — so the error's class and fields can be checked with any assertion library:
 *
 * ```ts
 * const error = await rejectionOf(GenServer.call(ref, 'nope'));
 * expect(error).to.be.instanceOf(UnknownMessageError);
 * ```
 */
export async function rejectionOf(promise: PromiseLike<unknown>): Promise<unknown> {
  let value: unknown;
  try {
    value = await promise;
  } catch (error) {
    return error;
  }
  throw new AssertionError({ message: `expected the promise to reject, but it resolved to ${inspect(value, { depth: 2 })}` });
}
