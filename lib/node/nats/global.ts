import { JetStreamApiError } from '@nats-io/jetstream';
import { Kvm, type KV, type KvEntry } from '@nats-io/kv';
import { awaitExit, isAlive } from '../../behaviours/client';
import { AlreadyStartedError, ArgumentError } from '../../errors';
import { logger } from '../../logger';
import type { ServerRef } from '../../process/ref';
import { onNodeDown, wire } from '../node';
import type { RefMarker } from '../wire';
import type { GlobalOptions } from './options';
import type { NatsTransport } from './transport';

/**
 * Global names: one holder per name across the whole cluster, kept in a JetStream key-value
 * bucket (`<cluster>-global`).
 *
 * - **Registering** is `create` (create-if-absent): of N nodes racing for one name exactly one
 *   succeeds; the others get `AlreadyStartedError` with the holder's ref. The revision the store
 *   gives the entry is its fencing token: every later write by the holder says which revision it
 *   expects, so a holder that lost the name can never write over its successor.
 * - **Leases**: nats-server 2.9 has no per-key TTL, so the bucket's `max_age` is the lease
 *   (`leaseMs`, default 15 s) and the holder's node rewrites each of its entries a third of it
 *   after the last write; a rewrite that fails or times out (its request waits at most a fifth of
 *   the lease) is tried again at the next tick (a fifteenth of the lease, at most 1 s), so a NATS
 *   failover of a few seconds costs retries, not the name. A node that dies stops refreshing and
 *   its names vanish after at most `leaseMs`; sooner in
 *   practice, because every node that sees it go down deletes its entries at once (conditionally on
 *   their revision, so a new holder is never touched).
 * - **Freed on exit**: when the holder exits, its node deletes the entry.
 * - **A stale holder** (its node was cut off from NATS for longer than the lease, or seen down by
 *   the others) finds out at its next refresh, when the revision no longer matches: the name is
 *   dropped here and logged, and the server stops answering as that name (lookups go to the new holder).
 *
 * Every node keeps a copy of the bucket (a watch), so `whereis` answers at once; `lookup` asks
 * the bucket itself.
 */

interface Holder {
  readonly node: string;
  readonly session: number;
  readonly ref: RefMarker;
}

interface Entry {
  readonly holder: Holder;
  readonly revision: number;
}

interface Held {
  readonly ref: ServerRef;
  readonly value: string;
  revision: number;
  /** When the write that stored `revision` was sent: the lease runs from then (or later, on the server). */
  writtenAt: number;
  /** A refresh of this name is in flight. */
  refreshing: boolean;
}

const encodeKey = (name: string) => Buffer.from(name, 'utf8').toString('base64url');
const decodeKey = (key: string) => Buffer.from(key, 'base64url').toString('utf8');

function parseHolder(entry: KvEntry): Holder | undefined {
  try {
    const value = JSON.parse(entry.string()) as Holder;
    if (typeof value.node === 'string' && typeof value.session === 'number' && value.ref?.$ === 'ref') return value;
  } catch {
    // not ours: ignored below
  }
  return undefined;
}

export class GlobalNames {
  private readonly cache = new Map<string, Entry>();
  private readonly held = new Map<string, Held>();
  /** Deletes in flight of names whose holder here exited: a restart under the name waits for them. */
  private readonly releasing = new Map<string, Promise<void>>();
  private readonly lostListeners = new Set<(name: string, ref: ServerRef) => void>();
  private refresher: NodeJS.Timeout | undefined;
  /** How long a lease refresh waits for the store's answer before it is tried again. */
  private readonly requestMs: number;
  private stopWatching: (() => void) | undefined;
  private readonly offDown: () => void;
  private closed = false;

  private constructor(
    private readonly transport: NatsTransport,
    private readonly kv: KV,
    readonly leaseMs: number,
  ) {
    this.offDown = onNodeDown((node) => this.freeNode(node));
    this.requestMs = Math.min(5000, Math.max(200, leaseMs / 5));
  }

  /** Opens (or creates) the cluster's bucket and starts watching it. */
  static async open(transport: NatsTransport, options: GlobalOptions = {}): Promise<GlobalNames> {
    const leaseMs = options.leaseMs ?? 15_000;
    if (typeof leaseMs !== 'number' || !Number.isFinite(leaseMs) || leaseMs < 1000)
      throw new ArgumentError('leaseMs', leaseMs, 'a number of ms >= 1000');
    const replicas = options.replicas ?? 1;
    const bucket = `${transport.cluster.replace(/[^A-Za-z0-9_-]/g, '_')}-global`;
    const kvm = new Kvm(transport.connection);
    let kv: KV;
    try {
      // The bucket as the cluster's first node made it: its max_age is the lease for everyone.
      kv = await kvm.open(bucket);
      await kv.status();
    } catch {
      kv = await kvm.create(bucket, { history: 1, ttl: leaseMs, replicas });
    }
    const names = new GlobalNames(transport, kv, leaseMs);
    await names.watch();
    names.refresher = setInterval(() => names.refresh(), Math.min(1000, Math.max(50, leaseMs / 15)));
    names.refresher.unref();
    return names;
  }

  private async watch(): Promise<void> {
    const watcher = await this.kv.watch();
    this.stopWatching = () => watcher.stop();
    let initial = true;
    let ready!: () => void;
    const caughtUp = new Promise<void>((resolve) => (ready = resolve));
    void (async () => {
      for await (const entry of watcher) {
        this.observe(entry);
        if (initial && entry.delta === 0) {
          initial = false;
          ready();
        }
      }
    })().catch((error: unknown) => logger().warn(`genserver-ts: the global names watch ended: ${(error as Error).message}`, { error }));
    // An empty bucket sends nothing: then the first read of the stream's state is the catch-up.
    const status = await this.kv.status();
    if (status.values === 0) ready();
    await caughtUp;
  }

  private observe(entry: KvEntry): void {
    const name = decodeKey(entry.key);
    if (entry.operation !== 'PUT') {
      this.cache.delete(name);
      return;
    }
    const holder = parseHolder(entry);
    if (holder !== undefined) this.cache.set(name, { holder, revision: entry.revision });
  }

  /**
   * Registers `ref` (a server of this node) under `name` cluster-wide. Rejects with
   * `AlreadyStartedError` (`serverName` = `{ global: name }`, `ref` = the holder) when someone
   * holds it. The name is freed when the server exits.
   *
   * ```ts
   * await globals.register('room:lobby', lobby);
   * ```
   */
  async register(name: string, ref: ServerRef): Promise<void> {
    if (typeof name !== 'string' || name.length === 0) throw new ArgumentError('name', name, 'a non-empty string');
    const holder: Holder = { node: this.transport.self, session: this.transport.session, ref: wire.describeRef(ref) };
    const value = JSON.stringify(holder);
    const key = encodeKey(name);
    for (let attempt = 0; ; attempt++) {
      await this.releasing.get(name);
      try {
        const sentAt = Date.now();
        const revision = await this.kv.create(key, value);
        this.held.set(name, { ref, value, revision, writtenAt: sentAt, refreshing: false });
        this.cache.set(name, { holder, revision });
        void awaitExit(ref).then(() => this.release(name, ref));
        return;
      } catch (error) {
        // Taken: report the holder. (It may have been freed in between: then try again.)
        const current = await this.kv.get(key);
        const other = current !== null && current.operation === 'PUT' ? parseHolder(current) : undefined;
        if (other !== undefined) {
          const otherRef = wire.refOf(other.ref);
          // A holder of this node that is gone (its exit's delete not through yet, or an earlier run
          // of this node under the same name): its entry is deleted, fenced by its revision.
          const gone = other.node === this.transport.self && (other.session !== this.transport.session || !isAlive(otherRef));
          if (!gone || attempt >= 3) throw new AlreadyStartedError({ global: name }, otherRef);
          await this.kv.delete(key, { previousSeq: current!.revision }).catch(() => undefined);
          continue;
        }
        if (attempt >= 3) throw error;
      }
    }
  }

  /** The holder of `name` as this node's copy of the bucket knows it, at once (undefined if it is known dead). */
  whereis(name: string): ServerRef | undefined {
    const entry = this.cache.get(name);
    if (entry === undefined) return undefined;
    const ref = wire.refOf(entry.holder.ref);
    return isAlive(ref) ? ref : undefined;
  }

  /** Calls `fn(name, ref)` when a server of this node loses its global name (a stale holder); returns an off switch. */
  onLost(fn: (name: string, ref: ServerRef) => void): () => void {
    this.lostListeners.add(fn);
    return () => this.lostListeners.delete(fn);
  }

  /** The holder of `name`, read from the bucket itself. */
  async lookup(name: string): Promise<ServerRef | undefined> {
    const entry = await this.kv.get(encodeKey(name));
    const holder = entry !== null && entry.operation === 'PUT' ? parseHolder(entry) : undefined;
    return holder === undefined ? undefined : wire.refOf(holder.ref);
  }

  /** Every global name this node knows of. */
  names(): string[] {
    return [...this.cache.keys()];
  }

  /** Frees `name` if a server of this node holds it (and it is `ref`, when given). */
  async release(name: string, ref?: ServerRef): Promise<void> {
    const held = this.held.get(name);
    if (held === undefined || (ref !== undefined && held.ref !== ref)) return;
    this.held.delete(name);
    if (this.cache.get(name)?.revision === held.revision) this.cache.delete(name);
    if (this.closed) return;
    const deleting = this.kv.delete(encodeKey(name), { previousSeq: held.revision }).then(
      () => undefined,
      // Someone else holds it by now (or the lease ran out): nothing of ours to delete.
      () => undefined,
    );
    this.releasing.set(name, deleting);
    await deleting;
    if (this.releasing.get(name) === deleting) this.releasing.delete(name);
  }

  /** A node went down: its names are freed now rather than when their lease runs out. */
  private freeNode(node: string): void {
    // Seen down because this node itself was cut off: the lease decides instead.
    if (!this.transport.steady()) return;
    for (const [name, entry] of [...this.cache]) {
      if (entry.holder.node !== node) continue;
      this.cache.delete(name);
      void this.kv.delete(encodeKey(name), { previousSeq: entry.revision }).catch(() => undefined);
    }
  }

  /** Rewrites each name held here whose last write is a third of the lease old, fenced by its revision. */
  private refresh(): void {
    const due = Date.now() - this.leaseMs / 3;
    // One write in flight per name: a refresh slowed down by a NATS failover must not race the next
    // one with the same expected revision (the loser would think the name taken).
    for (const [name, held] of this.held) if (!held.refreshing && held.writtenAt <= due) void this.refreshOne(name, held);
  }

  private async refreshOne(name: string, held: Held): Promise<void> {
    held.refreshing = true;
    try {
      const sentAt = Date.now();
      held.revision = await this.kv.update(encodeKey(name), held.value, held.revision, this.requestMs);
      held.writtenAt = sentAt;
    } catch (error) {
      if (this.closed || this.held.get(name) !== held) return;
      // No answer (a timeout, no leader for the bucket yet, the connection down): still due, so the
      // next tick tries again. Only the store's own refusal says the revision may have moved on.
      if (!(error instanceof JetStreamApiError)) return;
      const current = await this.kv.get(encodeKey(name)).catch(() => undefined);
      // No answer, or one from a replica that is behind (a read may be served by any of them): later.
      if (current === undefined || (current !== null && current.revision <= held.revision)) return;
      if (current !== null && current.string() === held.value && current.operation === 'PUT') {
        // Our own write, whose answer was lost (a timeout, or the server failed over after storing
        // it): still ours. When it was sent is not known, so it stays due and is rewritten at once.
        held.revision = current.revision;
        return;
      }
      // Gone (the lease ran out, or the others saw this node down), or someone else's by now.
      this.lost(name, held);
    } finally {
      held.refreshing = false;
    }
  }

  private lost(name: string, held: Held): void {
    this.held.delete(name);
    // This node's copy may still name the stale holder (cut off, the watch is behind): not any more.
    if (this.cache.get(name)?.revision === held.revision) this.cache.delete(name);
    for (const fn of [...this.lostListeners]) {
      try {
        fn(name, held.ref);
      } catch (error) {
        logger().error(`genserver-ts: a listener of lost global names threw: ${(error as Error).message}`, { error });
      }
    }
    logger().warn(
      `genserver-ts: node ${this.transport.self} lost the global name '${name}' (its lease ran out or it was seen down); ` +
        `${String(held.ref)} no longer answers as that name.`,
      { name, ref: held.ref },
    );
  }

  /** For specs: the names held by servers of this node. */
  heldNames(): string[] {
    return [...this.held.keys()];
  }

  /**
   * Stops refreshing and watching. With `release` (default true) the names held here are deleted
   * first, so the others can take them at once.
   */
  async close(release = true): Promise<void> {
    if (this.refresher !== undefined) clearInterval(this.refresher);
    if (release) await Promise.all([...this.held.keys()].map((name) => this.release(name)));
    this.closed = true;
    this.held.clear();
    this.offDown();
    this.stopWatching?.();
  }
}
