import { ArgumentError } from '../errors';
import { Queue } from '../process/queue';
import { RequestId, type ResponseListener } from './request_id';

// OTP 25's request id collections (gen_server:reqids_new/0 and friends): many requests, each with a
// label, collected in the order their responses arrive. A collection is told by each of its requests
// the moment its response lands (no promise reaction per wait), keeps those in arrival order, and
// hands them to its waiters one by one, so collecting n requests costs O(n), with at most one timer.

/** A response collected from a `RequestIdCollection`: which label answered, and how. */
export type CollectedResponse<L, R> =
  | { readonly reply: R; readonly label: L; readonly request: RequestId<R> }
  | { readonly error: unknown; readonly label: L; readonly request: RequestId<R> };

/** What collecting from a collection gives when no response comes: `'timeout'`, or `'noRequest'` when it is empty. */
export type NoResponse = 'timeout' | 'noRequest';

/** The `delete` option of the collectors: remove the request that answered (default `true`). */
export interface CollectOptions {
  readonly delete?: boolean;
}

interface Entry<L> {
  readonly label: L;
  /** Its response was handed out with `delete: false`: it stays, but is not handed out again. */
  collected: boolean;
  /** Given up by a `receiveResponse` timeout: a later response is ignored here. */
  abandoned: boolean;
}

interface Waiter {
  readonly remove: boolean;
  resolve(request: RequestId): void;
}

/**
 * Requests in flight, each with a label (OTP's `reqids_new/0`, `reqids_add/3`, `reqids_size/1`,
 * `reqids_to_list/1`). Collect them with `GenServer.receiveResponse(collection, timeout, { delete })`,
 * `waitResponse` or `checkResponse`, which tell which label answered. `L` is the label type, `R` the
 * reply type (`unknown` when the requests reply different things).
 *
 * ```ts
 * const ids = new RequestIdCollection<string, number>();
 * for (const [name, ref] of shards) ids.add(GenServer.sendRequest(ref, 'count'), name);
 * while (ids.size > 0) {
 *   const r = await GenServer.receiveResponse(ids, 1000);
 *   if (r === 'timeout') break;            // every request left is given up
 *   if (r !== 'noRequest') console.log(r.label, 'reply' in r ? r.reply : r.error);
 * }
 * ```
 */
export class RequestIdCollection<L = unknown, R = unknown> implements ResponseListener {
  private readonly entries = new Map<RequestId<R>, Entry<L>>();
  /** Requests here whose response has arrived and was not yet handed out, oldest answer first. */
  private readonly answered = new Queue<RequestId<R>>();
  private readonly waiters: Waiter[] = [];

  /** The number of requests in the collection (OTP `reqids_size/1`). */
  get size(): number {
    return this.entries.size;
  }

  /**
   * Adds a request under `label` (OTP `reqids_add/3`) and returns the collection. Throws
   * `ArgumentError` for a value that is not a `RequestId`, or one already in this collection.
   */
  add(request: RequestId<R>, label: L): this {
    if (!(request instanceof RequestId)) throw new ArgumentError('request', request, 'a RequestId returned by GenServer.sendRequest()');
    if (this.entries.has(request)) throw new ArgumentError('request', request, 'a request not yet in this collection');
    this.entries.set(request, { label, collected: false, abandoned: false });
    (request.listeners ??= new Set()).add(this as ResponseListener);
    if (request.response !== undefined) this.insertAnswered(request);
    return this;
  }

  /** `[request, label]` pairs, in the order they were added (OTP `reqids_to_list/1`). */
  toList(): [request: RequestId<R>, label: L][] {
    return [...this.entries].map(([request, entry]) => [request, entry.label]);
  }

  /** @internal A request of this collection has its response. */
  arrived(request: RequestId): void {
    const entry = this.entries.get(request as RequestId<R>);
    if (entry === undefined || entry.abandoned) return;
    this.answered.push(request as RequestId<R>);
    this.pump();
  }

  /** @internal The next answered request (removed when `remove`), or undefined. */
  take(remove: boolean): CollectedResponse<L, R> | undefined {
    for (let request = this.answered.shift(); request !== undefined; request = this.answered.shift()) {
      const entry = this.entries.get(request);
      if (entry === undefined || entry.collected || entry.abandoned) continue;
      return this.hand(request, entry, remove);
    }
    return undefined;
  }

  /** @internal Waits up to `timeout` ms for the next response; `abandon`: give up every request left on timeout. */
  next(timeout: number, remove: boolean, abandon: boolean): Promise<CollectedResponse<L, R> | NoResponse> {
    const ready = this.take(remove);
    if (ready !== undefined) return Promise.resolve(ready);
    if (this.entries.size === 0) return Promise.resolve('noRequest');
    // Every request left was collected (delete: false) or given up: nothing can arrive any more.
    if (!this.waiting()) return Promise.resolve('timeout');
    return new Promise((resolve) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const waiter: Waiter = {
        remove,
        resolve: (request) => {
          if (timer !== undefined) clearTimeout(timer);
          resolve(this.hand(request as RequestId<R>, this.entries.get(request as RequestId<R>)!, remove));
        },
      };
      this.waiters.push(waiter);
      if (timeout === Infinity) return;
      timer = setTimeout(() => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        if (abandon) for (const entry of this.entries.values()) if (!entry.collected) entry.abandoned = true;
        resolve('timeout');
      }, timeout);
    });
  }

  /** True while some request here may still answer. */
  private waiting(): boolean {
    for (const entry of this.entries.values()) if (!entry.collected && !entry.abandoned) return true;
    return false;
  }

  private hand(request: RequestId<R>, entry: Entry<L>, remove: boolean): CollectedResponse<L, R> {
    if (remove) {
      this.entries.delete(request);
      request.listeners?.delete(this as ResponseListener);
    } else {
      entry.collected = true;
    }
    const response = request.response!;
    return 'reply' in response
      ? { reply: response.reply, label: entry.label, request }
      : { error: response.error, label: entry.label, request };
  }

  /** Hands answered requests to waiting collectors, in order. */
  private pump(): void {
    while (this.waiters.length > 0) {
      let request = this.answered.shift();
      while (request !== undefined) {
        const entry = this.entries.get(request);
        if (entry !== undefined && !entry.collected && !entry.abandoned) break;
        request = this.answered.shift();
      }
      if (request === undefined) return;
      const waiter = this.waiters.shift()!;
      // The entry is marked before the waiter's promise resolves, so a second waiter never gets it too.
      if (!waiter.remove) this.entries.get(request)!.collected = true;
      waiter.resolve(request);
    }
  }

  /** A request added after its response came: placed among the answered ones by when it answered. */
  private insertAnswered(request: RequestId<R>): void {
    const list = this.answered.peek();
    let i = list.length;
    while (i > 0 && list[i - 1]!.answered > request.answered) i--;
    if (i === list.length) {
      this.answered.push(request);
    } else {
      this.answered.drain();
      list.splice(i, 0, request);
      for (const r of list) this.answered.push(r);
    }
    this.pump();
  }

  toString(): string {
    return `#RequestIdCollection<${this.entries.size}>`;
  }
}
