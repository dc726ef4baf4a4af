import { connect, type ConnectionOptions, type Msg, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import { ArgumentError, PayloadTooLargeError } from '../../errors';
import { logger } from '../../logger';
import { v8Codec, type Codec } from '../codec';
import { F_CALL, F_REPLY, F_SPAWN, F_SYS, F_WHEREIS, R_ERROR, type Frame, type Transport, type TransportEvents } from '../transport';
import { Membership } from './membership';

/**
 * The NATS transport: nodes of one cluster on any number of machines, reached through NATS
 * (core request/reply subjects, no JetStream needed for this part).
 *
 * Subjects, under the cluster name (default `'genserver'`, so two clusters can share one NATS):
 * - `<cluster>.node.<name>`: frames for node `<name>` (one subscription per node);
 * - `<cluster>.hb`: heartbeats, hellos and goodbyes (see membership.ts);
 * - `<cluster>.hello`: a node that joins asks who is there;
 * - `<cluster>.nr.<name>.<to>.<session>`: where NATS answers "no responders" for a frame `<name>`
 *   sent to `<to>`: every frame is published with that reply subject, which costs nothing while the
 *   node is there and tells at once when its subscription has gone (the process died, its
 *   connection closed), well before a heartbeat would.
 *
 * A NATS message carries the codec's bytes of `[via, session, from, to, frame]`, or of `[via, session,
 * from, to, [frame, frame, ...]]` for a batch: `via` is the node whose transport sent it (and
 * `session` its run), `from` and `to` the nodes the frames are from and for — other than `via` and
 * this node when a node forwards for its worker threads (`api-1/thread-1` is reached through
 * `api-1`). Frames sent in one turn to one node leave as one batch (one encode, one publish; split
 * where it would pass max_payload), which is what makes casts cheap. Frames from one node to
 * another keep their order (a batch is decoded in order, and NATS keeps the order of one
 * connection's messages to one subscriber).
 */

export interface NatsTransportOptions extends Omit<ConnectionOptions, 'name'> {
  /** This node's name: one NATS subject token (no spaces, `.`, `*` or `>`). */
  readonly name: string;
  /** The cluster: the subject prefix shared by its nodes (default `'genserver'`). One token. */
  readonly cluster?: string;
  /** The byte codec (default `v8Codec`); every node of a cluster must use the same one. */
  readonly codec?: Codec;
  /** How often this node says it is alive, in ms (default 1000). */
  readonly heartbeatMs?: number;
  /** A node silent this long is down, in ms (default 4000; at least 2 × heartbeatMs). */
  readonly downAfterMs?: number;
  /** How long joining waits for the other nodes to answer the hello, in ms (default 250). */
  readonly discoveryMs?: number;
}

const TOKEN = /^[^\s.*>]+$/;
const HB_BEAT = 0;
const HB_BYE = 1;

function positive(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw new ArgumentError(name, value, 'a finite number of ms > 0');
  return value;
}

function token(name: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 200 || !TOKEN.test(value)) {
    throw new ArgumentError(name, value, 'a non-empty NATS subject token (no spaces, ".", "*" or ">", at most 200 characters)');
  }
  return value;
}

// Later runs of a node under the same name get larger sessions (clock in µs, plus a random tail).
let lastSession = 0;
function newSession(): number {
  lastSession = Math.max(lastSession + 1, Date.now() * 1000 + Math.floor(Math.random() * 1000));
  return lastSession;
}

export class NatsTransport implements Transport {
  readonly self: string;
  /** This run of the node: a new number every time a node of this name joins. */
  readonly session = newSession();
  readonly cluster: string;
  readonly codec: Codec;
  readonly membership: Membership;
  private events: TransportEvents | undefined;
  private readonly subs: Subscription[] = [];
  private heartbeat: NodeJS.Timeout | undefined;
  private closing: Promise<void> | undefined;
  private readonly subjectOf = new Map<string, string>();
  /** Frames queued this turn, by the member they go through (see `send`). */
  private outbox = new Map<string, { from: string; to: string; frames: Frame[] }>();
  private flushQueued = false;
  /**
   * @internal Batching on (the default; `GENSERVER_NATS_BATCH=0` in the environment turns it off).
   * Off, every frame is published on its own at once: what the transport did before batching, kept
   * for the benchmarks' before/after figure.
   */
  batchFrames = process.env.GENSERVER_NATS_BATCH !== '0';
  /** When the NATS connection was last (re)established; undefined while it is down. */
  private connectedSince: number | undefined = Date.now();

  private constructor(
    /** The NATS connection (for JetStream, global names). */
    readonly connection: NatsConnection,
    options: NatsTransportOptions,
    heartbeatMs: number,
    downAfterMs: number,
  ) {
    this.self = options.name;
    this.cluster = options.cluster ?? 'genserver';
    this.codec = options.codec ?? v8Codec;
    this.membership = new Membership(
      this.self,
      {
        up: (node) => this.events?.nodeUp(node),
        down: (node, reason) => this.events?.nodeDown(node, reason),
      },
      heartbeatMs,
      downAfterMs,
    );
  }

  /**
   * Connects to NATS as node `options.name` and joins its cluster; resolves once the nodes already
   * there have answered (so `nodes()` lists them). Every NATS connection option passes through
   * (`servers`, `user`/`pass`, `token`, `authenticator` for nkeys/creds, `tls`, ...); reconnects
   * forever by default (`maxReconnectAttempts: -1`).
   *
   * ```ts
   * const transport = await NatsTransport.connect({ name: 'api-1', servers: 'nats://127.0.0.1:4222' });
   * ```
   */
  static async connect(options: NatsTransportOptions): Promise<NatsTransport> {
    if (typeof options !== 'object' || options === null) throw new ArgumentError('options', options, 'an object with at least `name`');
    token('name', options.name);
    if (options.cluster !== undefined) token('cluster', options.cluster);
    const { name, cluster: _cluster, codec: _codec, heartbeatMs: _h, downAfterMs: _d, discoveryMs, ...natsOptions } = options;
    const discovery = positive('discoveryMs', discoveryMs, 250);
    // Validated before a connection exists, so a bad option leaves nothing open.
    const heartbeatMs = positive('heartbeatMs', options.heartbeatMs, 1000);
    const downAfterMs = positive('downAfterMs', options.downAfterMs, Math.max(4000, 2 * heartbeatMs));
    if (downAfterMs < 2 * heartbeatMs) throw new ArgumentError('downAfterMs', downAfterMs, `at least 2 × heartbeatMs (${2 * heartbeatMs})`);
    const connection = await connect({
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
      ...natsOptions,
      name: `genserver-ts node ${name}`,
    });
    let transport: NatsTransport;
    try {
      transport = new NatsTransport(connection, options, heartbeatMs, downAfterMs);
      await transport.join(discovery);
    } catch (error) {
      await connection.close().catch(() => undefined);
      throw error;
    }
    return transport;
  }

  private subject(kind: string, ...rest: string[]): string {
    return [this.cluster, kind, ...rest].join('.');
  }

  private nodeSubject(node: string): string {
    let subject = this.subjectOf.get(node);
    if (subject === undefined) {
      subject = this.subject('node', node);
      this.subjectOf.set(node, subject);
    }
    return subject;
  }

  private async join(discoveryMs: number): Promise<void> {
    const nc = this.connection;
    this.subs.push(nc.subscribe(this.nodeSubject(this.self), { callback: (_err, msg) => this.onFrame(msg) }));
    this.subs.push(nc.subscribe(this.subject('hb'), { callback: (_err, msg) => this.onHeartbeat(msg) }));
    this.subs.push(nc.subscribe(this.subject('hello'), { callback: (_err, msg) => this.onHello(msg) }));
    this.subs.push(nc.subscribe(this.subject('nr', this.self, '>'), { callback: (_err, msg) => this.onNoResponders(msg) }));
    await nc.flush();
    try {
      const answers = await nc.requestMany(this.subject('hello'), this.codec.encode([this.self, this.session]), {
        strategy: 'stall',
        stall: Math.min(50, discoveryMs),
        maxWait: discoveryMs,
      });
      for await (const msg of answers) this.onHeartbeat(msg);
    } catch {
      // "no responders": this is the first node of the cluster
    }
    void this.watchStatus();
    this.membership.start();
    this.heartbeat = setInterval(() => this.beat(HB_BEAT), this.membership.heartbeatMs);
    this.heartbeat.unref();
  }

  private async watchStatus(): Promise<void> {
    try {
      for await (const status of this.connection.status()) {
        if (status.type === 'disconnect') {
          this.connectedSince = undefined;
          logger().warn(`genserver-ts: node ${this.self} lost its NATS connection; reconnecting`, { node: this.self });
        } else if (status.type === 'reconnect') {
          this.connectedSince = Date.now();
          logger().info(`genserver-ts: node ${this.self} reconnected to NATS`, { node: this.self });
        }
      }
    } catch {
      // the connection closed
    }
  }

  /**
   * True when this node's own view of the cluster can be trusted: connected to NATS for longer than
   * `downAfterMs`. A node that was cut off itself sees every other node go down; it must not act
   * on that (say, free their global names) when it is back.
   */
  steady(): boolean {
    return this.connectedSince !== undefined && Date.now() - this.connectedSince > this.membership.downAfterMs;
  }

  /** The nodes this transport reaches now. */
  nodes(): string[] {
    return this.membership.list();
  }

  attach(events: TransportEvents): void {
    if (this.events !== undefined) throw new Error('NatsTransport.attach: already attached');
    this.events = events;
    for (const node of this.membership.list()) events.nodeUp(node);
  }

  send(node: string, frame: Frame, from: string = this.self): void {
    const via = this.route(node);
    if (via === undefined || this.closing !== undefined) return;
    if (!this.batchFrames) {
      this.flush();
      this.publish(via, from, node, [frame]);
      return;
    }
    let batch = this.outbox.get(via);
    if (batch !== undefined && (batch.from !== from || batch.to !== node)) {
      // Another origin or destination through the same node: what is queued leaves first, in order.
      this.publish(via, batch.from, batch.to, batch.frames);
      batch = undefined;
    }
    if (batch === undefined) {
      batch = { from, to: node, frames: [] };
      this.outbox.set(via, batch);
    }
    batch.frames.push(frame);
    if (!this.flushQueued) {
      this.flushQueued = true;
      queueMicrotask(this.flush);
    }
  }

  /**
   * Sends what the current turn queued: one NATS message per destination (more when a batch is
   * above max_payload). Runs in a microtask, so a lone call leaves at once and 1000 casts in a loop
   * cost one encode and one publish, not 1000.
   */
  private readonly flush = (): void => {
    this.flushQueued = false;
    if (this.outbox.size === 0) return;
    const outbox = this.outbox;
    this.outbox = new Map();
    for (const [via, batch] of outbox) this.publish(via, batch.from, batch.to, batch.frames);
  };

  /**
   * Encodes `frames` for `to` (through `via`) as one message and publishes it. A batch above
   * max_payload is split into parts that fit (sized by how far over it is, so a large batch costs
   * about two encodes, not a logarithm of them); a single frame that does not fit, or that the codec
   * refuses, is refused on its own (see `refuse`) and the others still go, in order.
   */
  private publish(via: string, from: string, to: string, frames: Frame[]): void {
    const session = this.membership.session(via);
    if (session === undefined) return; // went down since: lost like any frame to a node that is down
    const max = this.connection.info?.max_payload ?? 1024 * 1024;
    let bytes: Uint8Array | undefined;
    let error: unknown;
    try {
      bytes = this.codec.encode([this.self, this.session, from, to, frames.length === 1 ? frames[0] : frames]);
    } catch (e) {
      // The node layer checked the values; a codec that still refuses one is reported, not thrown.
      error = e;
    }
    if (bytes !== undefined && bytes.byteLength > max) error = new PayloadTooLargeError(to, bytes.byteLength, max);
    if (error !== undefined) {
      if (frames.length === 1) {
        this.refuse(to, frames[0], error);
        return;
      }
      const parts = bytes === undefined ? 2 : Math.min(frames.length, Math.ceil((bytes.byteLength / max) * 1.25));
      const size = Math.ceil(frames.length / parts);
      for (let i = 0; i < frames.length; i += size) this.publish(via, from, to, frames.slice(i, i + size));
      return;
    }
    try {
      this.connection.publish(this.nodeSubject(via), bytes!, { reply: this.subject('nr', this.self, via, String(session)) });
    } catch (e) {
      // closed or draining: the frames are lost like those to a node that went down
      logger().warn(`genserver-ts: ${frames.length} frame(s) for node '${to}' were dropped: ${(e as Error).message}`, {
        node: to,
        error: e,
      });
    }
  }

  /** The member a frame for `node` goes to: itself, or for `parent/child` the nearest parent that is up. */
  private route(node: string): string | undefined {
    if (this.membership.has(node)) return node;
    for (let i = node.lastIndexOf('/'); i > 0; i = node.lastIndexOf('/', i - 1)) {
      const parent = node.slice(0, i);
      if (this.membership.has(parent)) return parent;
    }
    return undefined;
  }

  /**
   * A frame that cannot be sent: a request is answered here with the error (so the caller rejects
   * with it at once), a reply is replaced by the error (so the caller on the other node rejects with
   * it), anything else is logged and dropped.
   */
  private refuse(node: string, frame: Frame, error: unknown): void {
    const marker = errorMarker(error);
    const kind = frame[0];
    if (kind === F_CALL || kind === F_SPAWN || kind === F_WHEREIS || kind === F_SYS) {
      const answer: Frame = [F_REPLY, frame[1], R_ERROR, marker, 1];
      queueMicrotask(() => this.deliver(node, answer, this.self));
      return;
    }
    if (kind === F_REPLY && frame[2] !== R_ERROR) {
      // In the reply's place, so it keeps its order among the frames of its batch.
      const via = this.route(node);
      if (via !== undefined) this.publish(via, this.self, node, [[F_REPLY, frame[1], R_ERROR, marker, 1]]);
      return;
    }
    logger().warn(`genserver-ts: a message for node '${node}' was dropped: ${(error as Error).message}`, { node, error });
  }

  private deliver(from: string, frame: Frame, to: string): void {
    try {
      this.events?.frame(from, frame, to);
    } catch (error) {
      logger().error(`genserver-ts: the node layer failed on a frame from '${from}': ${(error as Error).message}`, { from, error });
    }
  }

  private onFrame(msg: Msg): void {
    let envelope: unknown;
    try {
      envelope = this.codec.decode(msg.data);
    } catch (error) {
      this.malformed(msg, error);
      return;
    }
    if (
      !Array.isArray(envelope) ||
      envelope.length !== 5 ||
      typeof envelope[0] !== 'string' ||
      typeof envelope[1] !== 'number' ||
      typeof envelope[2] !== 'string' ||
      typeof envelope[3] !== 'string' ||
      !Array.isArray(envelope[4]) ||
      envelope[4].length === 0
    ) {
      this.malformed(msg, new TypeError('not a [via, session, from, to, frame or frames] envelope'));
      return;
    }
    const [via, session, from, to, body] = envelope as [string, number, string, string, unknown[]];
    if (!this.membership.seen(via, session)) return; // an older run of that node, or a name clash
    if (typeof body[0] === 'number') {
      this.deliver(from, body as unknown as Frame, to);
      return;
    }
    // A batch: the frames in the order they were sent; a malformed one is dropped on its own (and
    // logged once per message, however many there are).
    let bad = 0;
    for (let i = 0; i < body.length; i++) {
      const frame = body[i];
      if (Array.isArray(frame) && typeof frame[0] === 'number') this.deliver(from, frame as unknown as Frame, to);
      else bad++;
    }
    if (bad > 0) this.malformed(msg, new TypeError(`${bad} of the ${body.length} frames of a batch are not [kind, ...fields] arrays`));
  }

  private malformed(msg: Msg, error: unknown): void {
    logger().warn(`genserver-ts: dropped a malformed frame (${msg.data.byteLength} bytes) on ${msg.subject}: ${(error as Error).message}`, {
      subject: msg.subject,
      bytes: msg.data.byteLength,
      error,
    });
  }

  private decodeBeat(msg: Msg): [string, number, number] | undefined {
    try {
      const beat = this.codec.decode(msg.data);
      if (Array.isArray(beat) && typeof beat[0] === 'string' && typeof beat[1] === 'number')
        return [beat[0], beat[1], typeof beat[2] === 'number' ? beat[2] : HB_BEAT];
    } catch {
      // fall through
    }
    logger().warn(`genserver-ts: dropped a malformed heartbeat on ${msg.subject}`, { subject: msg.subject });
    return undefined;
  }

  private onHeartbeat(msg: Msg): void {
    const beat = this.decodeBeat(msg);
    if (beat === undefined) return;
    const [node, session, kind] = beat;
    if (node === this.self) {
      if (session !== this.session)
        logger().error(`genserver-ts: another process joined cluster '${this.cluster}' as node '${node}': node names must be unique`, {
          node,
        });
      return;
    }
    if (kind === HB_BYE) this.membership.gone(node, 'left the cluster', session);
    else this.membership.seen(node, session);
  }

  private onHello(msg: Msg): void {
    const beat = this.decodeBeat(msg);
    if (beat === undefined || beat[0] === this.self) return;
    this.membership.seen(beat[0], beat[1]);
    if (msg.reply !== undefined) msg.respond(this.codec.encode([this.self, this.session, HB_BEAT]));
  }

  private onNoResponders(msg: Msg): void {
    if (msg.headers?.code !== 503) return;
    // <cluster>.nr.<self>.<to>.<session>
    const tokens = msg.subject.split('.');
    const node = tokens[3];
    const session = Number(tokens[4]);
    this.membership.gone(node, 'no responders (its NATS subscription is gone)', session);
  }

  private beat(kind: number): void {
    try {
      this.connection.publish(this.subject('hb'), this.codec.encode([this.self, this.session, kind]));
    } catch {
      // closed: nothing to say
    }
  }

  /** Says goodbye, reports every node down, and closes the NATS connection. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.flush(); // what was sent before close leaves before the goodbye
      if (this.heartbeat !== undefined) clearInterval(this.heartbeat);
      this.beat(HB_BYE);
      try {
        await this.connection.flush();
      } catch {
        // the connection is gone already
      }
      this.membership.close('this node left the cluster');
      await this.connection.close().catch(() => undefined);
    })();
    return this.closing;
  }
}

/** The wire marker of an error (transport.ts), for answers this transport makes itself. */
function errorMarker(error: unknown): Record<string, unknown> {
  const e = error instanceof Error ? error : new Error(String(error));
  const fields: Record<string, unknown> = {};
  for (const key of Object.keys(e)) {
    const value = (e as unknown as Record<string, unknown>)[key];
    if (value === null || ['string', 'number', 'boolean', 'undefined'].includes(typeof value)) fields[key] = value;
  }
  return { $: 'error', class: e.name, message: e.message, stack: e.stack, fields };
}
