import { call, DEFAULT_CALL_TIMEOUT, isTimeout, type ServerTarget } from './client';
import { ArgumentError, CallTimeoutError } from '../errors';
import type { Calls, PayloadArg, PayloadOfCall, Protocol, ReplyOfCall, TypedTarget } from '../types';
import { RequestId, type RequestResponse } from './request_id';
import { RequestIdCollection, type CollectOptions, type CollectedResponse, type NoResponse } from './request_ids';

export { RequestId, type RequestResponse } from './request_id';
export { RequestIdCollection, type CollectOptions, type CollectedResponse, type NoResponse } from './request_ids';

// OTP's gen_server:send_request/receive_response: a call split in two, so that one caller can have
// many calls in flight and collect them later, under one deadline.

export function sendRequest<P extends Protocol = Protocol, K extends keyof Calls<P> & string = keyof Calls<P> & string>(
  server: TypedTarget<P> | ServerTarget,
  tag: K,
  ...payload: PayloadArg<PayloadOfCall<P, K>>
): RequestId<ReplyOfCall<P, K>>;
export function sendRequest(server: ServerTarget, tag: string, payload?: unknown): RequestId {
  if (typeof tag !== 'string') throw new ArgumentError('tag', tag, 'a string');
  // No deadline on the message itself: the time limit is the collector's.
  return new RequestId(server, tag, call(server, tag, payload, Infinity));
}

function checkRequest(request: unknown): asserts request is RequestId {
  if (!(request instanceof RequestId))
    throw new ArgumentError('request', request, 'a RequestId returned by GenServer.sendRequest(), or a RequestIdCollection');
}

function checkTimeout(timeout: unknown): void {
  if (!isTimeout(timeout)) throw new ArgumentError('timeout', timeout, 'a finite number >= 0 or Infinity (milliseconds)');
}

function within<R>(request: RequestId<R>, timeout: number): Promise<RequestResponse<R> | undefined> {
  if (request.response !== undefined) return Promise.resolve(request.response);
  if (timeout === Infinity) return request.settled;
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(undefined), timeout);
    void request.settled.then((response) => {
      clearTimeout(timer);
      resolve(response);
    });
  });
}

function checkOptions(options: unknown): boolean {
  if (options === undefined) return true;
  const remove = typeof options === 'object' && options !== null ? (options as CollectOptions).delete : options;
  if (remove !== undefined && typeof remove !== 'boolean') throw new ArgumentError('options', options, 'an object { delete?: boolean }');
  return remove ?? true;
}

/**
 * Waits up to `timeout` ms (default 5000) for a response (OTP `wait_response`). For a request:
 * `{ reply }`, `{ error }`, or `undefined` on timeout (it can still be collected later). For a
 * collection: the first response to arrive with its label, `'timeout'` (the requests can still be
 * collected later) or `'noRequest'` (the collection is empty); `delete` (default true) removes the
 * request that answered.
 */
export function waitResponse<R>(request: RequestId<R>, timeout?: number): Promise<RequestResponse<R> | undefined>;
export function waitResponse<L, R>(
  requests: RequestIdCollection<L, R>,
  timeout?: number,
  options?: CollectOptions,
): Promise<CollectedResponse<L, R> | NoResponse>;
export async function waitResponse(
  request: RequestId | RequestIdCollection,
  timeout: number = DEFAULT_CALL_TIMEOUT,
  options?: CollectOptions,
): Promise<unknown> {
  if (request instanceof RequestIdCollection) {
    checkTimeout(timeout);
    return request.next(timeout, checkOptions(options), false);
  }
  checkRequest(request);
  checkTimeout(timeout);
  return within(request, timeout);
}

/**
 * The reply of a request (OTP `receive_response`): rejects with `CallTimeoutError` after `timeout` ms
 * (default 5000), or with the call's own error. For a collection: resolves to the first response to
 * arrive with its label (`{ reply, label, request }` or `{ error, label, request }`, never a
 * rejection for a call's failure), `'noRequest'` if the collection is empty, or `'timeout'`, when
 * every request left in it is given up (their responses are ignored; they stay listed). `delete`
 * (default true) removes the request that answered.
 */
export function receiveResponse<R>(request: RequestId<R>, timeout?: number): Promise<R>;
export function receiveResponse<L, R>(
  requests: RequestIdCollection<L, R>,
  timeout?: number,
  options?: CollectOptions,
): Promise<CollectedResponse<L, R> | NoResponse>;
export async function receiveResponse(
  request: RequestId | RequestIdCollection,
  timeout: number = DEFAULT_CALL_TIMEOUT,
  options?: CollectOptions,
): Promise<unknown> {
  if (request instanceof RequestIdCollection) {
    checkTimeout(timeout);
    return request.next(timeout, checkOptions(options), true);
  }
  checkRequest(request);
  checkTimeout(timeout);
  const response = await within(request, timeout);
  if (response === undefined) throw new CallTimeoutError(request.server, request.tag, timeout);
  if ('error' in response) throw response.error;
  return response.reply;
}

/**
 * A response if one has arrived, never waiting (OTP `check_response`). For a request: `{ reply }`,
 * `{ error }` or `undefined`. For a collection: the first response that arrived with its label,
 * `'noReply'` when none has yet, `'noRequest'` when it is empty; `delete` as for `receiveResponse`.
 */
export function checkResponse<R>(request: RequestId<R>): RequestResponse<R> | undefined;
export function checkResponse<L, R>(
  requests: RequestIdCollection<L, R>,
  options?: CollectOptions,
): CollectedResponse<L, R> | 'noReply' | 'noRequest';
export function checkResponse(request: RequestId | RequestIdCollection, options?: CollectOptions): unknown {
  if (request instanceof RequestIdCollection) {
    const remove = checkOptions(options);
    if (request.size === 0) return 'noRequest';
    return request.take(remove) ?? 'noReply';
  }
  checkRequest(request);
  return request.response;
}

/** One row of `multiCall`'s result: the server as given, and its reply or its error. */
export type MultiCallResult<R> =
  | { readonly server: ServerTarget; readonly reply: R }
  | { readonly server: ServerTarget; readonly error: unknown };

export function multiCall<P extends Protocol = Protocol, K extends keyof Calls<P> & string = keyof Calls<P> & string>(
  servers: readonly (TypedTarget<P> | ServerTarget)[],
  tag: K,
  payload?: PayloadOfCall<P, K>,
  timeout?: number,
): Promise<MultiCallResult<ReplyOfCall<P, K>>[]>;
export async function multiCall(
  servers: readonly ServerTarget[],
  tag: string,
  payload?: unknown,
  timeout: number = DEFAULT_CALL_TIMEOUT,
): Promise<MultiCallResult<unknown>[]> {
  if (!Array.isArray(servers)) throw new ArgumentError('servers', servers, 'an array of servers');
  if (typeof tag !== 'string') throw new ArgumentError('tag', tag, 'a string');
  checkTimeout(timeout);
  const requests = servers.map((server) => sendRequest(server, tag, payload));
  const deadline = timeout === Infinity ? Infinity : Date.now() + timeout;
  const results: MultiCallResult<unknown>[] = [];
  for (const request of requests) {
    const left = deadline === Infinity ? Infinity : Math.max(0, deadline - Date.now());
    const response = await within(request, left);
    const server = request.server as ServerTarget;
    if (response === undefined) results.push({ server, error: new CallTimeoutError(server, tag, timeout) });
    else results.push('reply' in response ? { server, reply: response.reply } : { server, error: response.error });
  }
  return results;
}
