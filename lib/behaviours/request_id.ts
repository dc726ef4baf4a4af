// A call in flight, as `GenServer.sendRequest` hands it out: kept apart from requests.ts so that the
// collections (request_ids.ts) and the collectors (requests.ts) both build on it without a cycle.

/** A response: `{ reply }`, or `{ error }` when the call failed (the server exited, was not alive...). */
export type RequestResponse<R> = { readonly reply: R } | { readonly error: unknown };

/** What a request tells when its response arrives: the collections it is in (request_ids.ts). */
export interface ResponseListener {
  arrived(request: RequestId): void;
}

let answers = 0;

/**
 * A call in flight, from `GenServer.sendRequest`; collect it with `receiveResponse`,
 * `waitResponse` or `checkResponse`, alone or in a `RequestIdCollection`. `R` is the reply type.
 */
export class RequestId<R = unknown> {
  /** @internal */
  response: RequestResponse<R> | undefined = undefined;
  /** @internal The order in which responses arrived, over all requests (0 while none has). */
  answered = 0;
  /** @internal The collections holding this request; told at once when its response arrives. */
  listeners: Set<ResponseListener> | undefined = undefined;
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
      (reply) => this.arrive({ reply: reply as R }),
      (error: unknown) => this.arrive({ error }),
    );
  }

  private arrive(response: RequestResponse<R>): RequestResponse<R> {
    this.response = response;
    this.answered = ++answers;
    if (this.listeners !== undefined) for (const listener of this.listeners) listener.arrived(this as RequestId);
    return response;
  }

  toString(): string {
    return `#RequestId<'${this.tag}'>`;
  }
}
