/**
 * Who is in the cluster, as one node sees it: every node publishes a heartbeat every
 * `heartbeatMs`; a node not heard from (heartbeat or frame) for `downAfterMs` is down — Erlang's
 * `net_ticktime`, so a node killed with `kill -9` is seen as down within `downAfterMs` plus one
 * sweep (`heartbeatMs / 2`). NATS tells sooner in most cases: a frame to a node whose subscription is
 * gone comes back as "no responders", and a node that closes says goodbye.
 *
 * Each run of a node has a *session* number, larger for a later run (it starts from the clock), so a
 * node that comes back under the same name is a new incarnation: the old one is reported down first,
 * and anything still arriving from the old one is ignored.
 */

export interface MemberEvents {
  up(node: string): void;
  down(node: string, reason: unknown): void;
}

interface Member {
  session: number;
  lastSeen: number;
}

export class Membership {
  private readonly members = new Map<string, Member>();
  private sweeper: NodeJS.Timeout | undefined;
  private lastSweep = 0;
  private closed = false;

  constructor(
    private readonly self: string,
    private readonly events: MemberEvents,
    readonly heartbeatMs: number,
    readonly downAfterMs: number,
  ) {}

  start(): void {
    this.lastSweep = Date.now();
    this.sweeper = setInterval(() => this.sweep(), Math.max(10, this.heartbeatMs / 2));
    this.sweeper.unref();
  }

  /** The nodes up now, in the order they came up. */
  list(): string[] {
    return [...this.members.keys()];
  }

  has(node: string): boolean {
    return this.members.has(node);
  }

  /** The session of `node` as last heard, or undefined when it is not up. */
  session(node: string): number | undefined {
    return this.members.get(node)?.session;
  }

  /**
   * `node` (run `session`) showed a sign of life. Returns false when it is an older run than the
   * one known: its frame must be ignored.
   */
  seen(node: string, session: number): boolean {
    if (node === this.self) return false;
    if (this.closed) return true;
    const member = this.members.get(node);
    const now = Date.now();
    if (member === undefined) {
      this.members.set(node, { session, lastSeen: now });
      this.events.up(node);
      return true;
    }
    if (session === member.session) {
      member.lastSeen = now;
      return true;
    }
    if (session < member.session) return false;
    // A new run under the same name: the old one is gone, whatever it did not say.
    this.members.delete(node);
    this.events.down(node, 'restarted');
    this.members.set(node, { session, lastSeen: now });
    this.events.up(node);
    return true;
  }

  /** `node` is gone (goodbye, no responders, timeout). With `session`, only if that run is the one known. */
  gone(node: string, reason: unknown, session?: number): void {
    const member = this.members.get(node);
    if (member === undefined || (session !== undefined && member.session !== session)) return;
    this.members.delete(node);
    this.events.down(node, reason);
  }

  private sweep(): void {
    const now = Date.now();
    const late = now - this.lastSweep > 2 * this.heartbeatMs;
    this.lastSweep = now;
    for (const [node, member] of [...this.members]) {
      // This node's own event loop was blocked: the heartbeats it did not read yet are no one
      // else's fault. Give every member one more heartbeat's time instead of judging now.
      if (late) member.lastSeen = Math.max(member.lastSeen, now - this.downAfterMs + this.heartbeatMs);
      else if (now - member.lastSeen > this.downAfterMs) this.gone(node, `no heartbeat for ${this.downAfterMs} ms`);
    }
  }

  /** Every member is reported down; nothing more is reported. */
  close(reason: unknown): void {
    if (this.sweeper !== undefined) clearInterval(this.sweeper);
    for (const node of [...this.members.keys()]) this.gone(node, reason);
    this.closed = true;
  }
}
