import { call, DEFAULT_CALL_TIMEOUT, isTimeout, type ServerTarget } from './client';
import { ArgumentError, CallTimeoutError } from '../errors';
import type { Calls, PayloadArg, PayloadOfCall, Protocol, ReplyOfCall, TypedTarget } from '../types';

// OTP's gen_server:send_request/receive_response: a call split in two, so that one caller can have
// many calls in flight and collect them later, under one deadline.

/** A response: `{ reply }`, or `{ error }` when the call failed (the server exited, was not alive...). */
export type RequestResponse<R> = { readonly reply: R } | { readonly error: unknown };

/**
 * A call in flight, from `GenServer.sendRequest`; collect it with `receiveResponse`,
 * `waitResponse` or `checkResponse`. `R` is the reply type.
 */
export class RequestId<R = unknown> {
  /** @internal */
  response: RequestResponse<R> | undefined = undefined;
  /** @internal */
  readonly settled: Promise<RequestResponse<R>>;

  /** @internal */
  constructor(
    /** The server the request went to, as the caller named it. */
    readonly server: unknown,
    /** The call's tag. */
    readonly tag: string,
    promise: Promise<unknown>,
  ) {
    // Caught here, so a request whose response no one collects is never an unhandled rejection.
    this.settled = promise.then(
      (reply) => (this.response = { reply: reply as R }),
      (error: unknown) => (this.response = { error }),
    );
  }

  toString(): string {
    return `#RequestId<'${this.tag}'>`;
  }
}

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
  if (!(request instanceof RequestId)) throw new ArgumentError('request', request, 'a RequestId returned by GenServer.sendRequest()');
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

export async function waitResponse<R>(
  request: RequestId<R>,
  timeout: number = DEFAULT_CALL_TIMEOUT,
): Promise<RequestResponse<R> | undefined> {
  checkRequest(request);
  checkTimeout(timeout);
  return within(request, timeout);
}

export async function receiveResponse<R>(request: RequestId<R>, timeout: number = DEFAULT_CALL_TIMEOUT): Promise<R> {
  checkRequest(request);
  checkTimeout(timeout);
  const response = await within(request, timeout);
  if (response === undefined) throw new CallTimeoutError(request.server, request.tag, timeout);
  if ('error' in response) throw response.error;
  return response.reply;
}

export function checkResponse<R>(request: RequestId<R>): RequestResponse<R> | undefined {
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
