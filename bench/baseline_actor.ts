/**
 * The floor of what a Node GenServer can cost (BENCHMARKS.md's "minimal Node actor"): a ring-buffer
 * mailbox drained in one microtask, one promise per call, no call timeout, no time slice, no
 * links, names or crash handling. Every workload measures the library against this, in the same
 * process, so the noisy machine cancels out of the ratio.
 *
 * It drains its whole mailbox in one go, so a long mailbox blocks the event loop: the event-loop
 * workload shows what the library's time slice buys.
 */

const CALL = 0;
const CAST = 1;
const STOP = 2;

/** What a baseline actor runs: one function per kind, dispatching on the tag itself. */
export interface Behaviour<S> {
  init(arg: unknown): S;
  /** Returns the reply; may set `actor.state`. */
  handleCall(tag: string, payload: unknown, actor: MicroActor<S>): unknown;
  handleCast(tag: string, payload: unknown, actor: MicroActor<S>): void;
}

class Envelope {
  constructor(
    readonly kind: number,
    readonly tag: string,
    readonly payload: unknown,
    public resolve: ((value: unknown) => void) | undefined,
    public reject: ((error: unknown) => void) | undefined,
  ) {}
}

export class MicroActor<S> {
  private ring: (Envelope | undefined)[] | undefined = undefined;
  private head = 0;
  private count = 0;
  private scheduled = false;
  private dead = false;
  private drainer: (() => void) | undefined = undefined;

  private constructor(
    private readonly behaviour: Behaviour<S>,
    public state: S,
  ) {}

  /** Runs `init` and resolves to the running actor. */
  static start<S>(behaviour: Behaviour<S>, arg: unknown): Promise<MicroActor<S>> {
    return Promise.resolve(new MicroActor(behaviour, behaviour.init(arg)));
  }

  call(tag: string, payload?: unknown): Promise<unknown> {
    if (this.dead) return Promise.reject(new Error(`no actor to call '${tag}'`));
    return new Promise((resolve, reject) => this.push(new Envelope(CALL, tag, payload, resolve, reject)));
  }

  cast(tag: string, payload?: unknown): void {
    if (!this.dead) this.push(new Envelope(CAST, tag, payload, undefined, undefined));
  }

  /** Stops after the messages already queued; resolves once stopped. */
  stop(): Promise<void> {
    if (this.dead) return Promise.reject(new Error('actor already stopped'));
    return new Promise((resolve) => this.push(new Envelope(STOP, 'stop', undefined, resolve as (v: unknown) => void, undefined)));
  }

  /**
   * Holds the mailbox (messages queue up, none is handled) until `resume()`, so a workload can fill
   * a long mailbox before timing its drain. Call it on an idle actor. It marks a drain as already
   * scheduled, which keeps `push` free of any extra check.
   */
  suspend(): void {
    this.scheduled = true;
  }

  resume(): void {
    queueMicrotask((this.drainer ??= () => this.drain()));
  }

  private push(env: Envelope): void {
    let ring = this.ring;
    if (ring === undefined) ring = this.ring = new Array<Envelope | undefined>(8);
    else if (this.count === ring.length) ring = this.grow(ring);
    ring[(this.head + this.count) & (ring.length - 1)] = env;
    this.count++;
    if (!this.scheduled) {
      this.scheduled = true;
      queueMicrotask((this.drainer ??= () => this.drain()));
    }
  }

  private grow(old: (Envelope | undefined)[]): (Envelope | undefined)[] {
    const ring = new Array<Envelope | undefined>(old.length * 2);
    for (let i = 0; i < this.count; i++) ring[i] = old[(this.head + i) & (old.length - 1)];
    this.head = 0;
    return (this.ring = ring);
  }

  private drain(): void {
    this.scheduled = false;
    const ring = this.ring;
    if (ring === undefined) return;
    while (this.count > 0) {
      const env = ring[this.head]!;
      ring[this.head] = undefined;
      this.head = (this.head + 1) & (ring.length - 1);
      this.count--;
      if (env.kind === CALL) {
        try {
          env.resolve!(this.behaviour.handleCall(env.tag, env.payload, this));
        } catch (error) {
          env.reject!(error);
        }
      } else if (env.kind === CAST) {
        this.behaviour.handleCast(env.tag, env.payload, this);
      } else {
        this.dead = true;
        for (; this.count > 0; this.count--, this.head = (this.head + 1) & (ring.length - 1)) {
          ring[this.head]?.reject?.(new Error('actor stopped'));
          ring[this.head] = undefined;
        }
        this.ring = undefined;
        env.resolve!(undefined);
        return;
      }
    }
  }
}
