// Servers the node specs start on worker threads (the threads load this module) and on main.
import {
  GenServer,
  init,
  handleCall,
  handleCast,
  handleInfo,
  terminate,
  formatStatus,
  reply,
  noreply,
  stop,
  type From,
  type ServerRef,
  type Status,
} from '../../lib';

export class RoomFullError extends Error {
  constructor(
    readonly room: string,
    readonly limit: number,
  ) {
    super(`room ${room} is full (${limit})`);
    this.name = 'RoomFullError';
  }
}

/** Everything a spec needs a remote server to do. */
export class Echo extends GenServer<{ n: number; seen: unknown[] }> {
  @init
  setup(n: number = 0) {
    return { n, seen: [] as unknown[] };
  }

  @handleCall('echo') echo(payload: unknown, s: { n: number; seen: unknown[] }) {
    return reply(payload, s);
  }

  @handleCall('add') add(k: number, s: { n: number; seen: unknown[] }) {
    return reply(s.n + k, { ...s, n: s.n + k });
  }

  @handleCall('get') get(_: void, s: { n: number; seen: unknown[] }) {
    return reply(s.n, s);
  }

  @handleCall('seen') seenMessages(_: void, s: { n: number; seen: unknown[] }) {
    return reply(s.seen, s);
  }

  @handleCall('self') me(_: void, s: { n: number; seen: unknown[] }) {
    return reply(this.self, s);
  }

  @handleCall('node') node(_: void, s: { n: number; seen: unknown[] }) {
    return reply(this.self.node, s);
  }

  @handleCall('boom') boom(_: void): never {
    throw new RoomFullError('lobby', 3);
  }

  @handleCall('typeError') typeError(_: void): never {
    throw new TypeError('not a number');
  }

  @handleCall('sleep') async sleep(ms: number, s: { n: number; seen: unknown[] }) {
    await new Promise((r) => setTimeout(r, ms));
    return reply(ms, s);
  }

  @handleCall('defer') defer(ms: number, s: { n: number; seen: unknown[] }, from: From) {
    setTimeout(() => GenServer.reply(from, 'later'), ms);
    return noreply(s);
  }

  @handleCall('deferTo') deferTo(helper: ServerRef, s: { n: number; seen: unknown[] }, from: From) {
    GenServer.cast(helper, 'replyTo', from);
    return noreply(s);
  }

  /** Keeps whatever it is sent (a `from` that it never answers, say), so the sender's side holds it. */
  @handleCast('keep') keep(value: unknown, s: { n: number; seen: unknown[] }) {
    return noreply({ n: s.n + 1, seen: s.seen.length < 10 ? [...s.seen, value] : s.seen });
  }

  @handleCast('replyTo') replyTo(from: From, s: { n: number; seen: unknown[] }) {
    GenServer.reply(from, `answered by ${this.self.node}`);
    return noreply(s);
  }

  @handleCall('badReply') badReply(_: void, s: { n: number; seen: unknown[] }) {
    return reply(() => 1, s);
  }

  @handleCall('ask') async ask([ref, tag, payload]: [ServerRef, string, unknown], s: { n: number; seen: unknown[] }) {
    return reply(await GenServer.call(ref, tag, payload), s);
  }

  @handleCall('stopMe') stopMe(reason: unknown, s: { n: number; seen: unknown[] }) {
    return stop(reason, s, 'stopping');
  }

  @handleCall('link') linkTo(ref: ServerRef, s: { n: number; seen: unknown[] }) {
    this.link(ref);
    return reply('ok', s);
  }

  @handleCall('trap') trap(_: void, s: { n: number; seen: unknown[] }) {
    this.trapExits(true);
    return reply('ok', s);
  }

  @handleCall('monitor') monitorRef(ref: ServerRef, s: { n: number; seen: unknown[] }) {
    this.monitor(ref);
    return reply('ok', s);
  }

  @handleCall('monitorNode') monitorNodeOf(node: string, s: { n: number; seen: unknown[] }) {
    this.monitorNode(node);
    return reply('ok', s);
  }

  @handleCall('startOn') async startOn([node, n]: [string, number], s: { n: number; seen: unknown[] }) {
    return reply(await Echo.start(n, { node }), s);
  }

  @handleCall('exitThread') exitThread(code: number) {
    setImmediate(() => process.exit(code));
    return noreply({ n: 0, seen: [] });
  }

  @handleCall('throwUncaught') throwUncaught(_: void, s: { n: number; seen: unknown[] }) {
    setImmediate(() => {
      throw new Error('uncaught in a worker');
    });
    return noreply(s);
  }

  @handleCall('hog') hog(_: void, s: { n: number; seen: unknown[] }) {
    const hoard: number[][] = [];
    // Runs until the thread is out of memory; the reply is never reached.
    while (hoard.length >= 0) hoard.push(new Array(1e6).fill(hoard.length));
    return reply(hoard.length, s);
  }

  @handleCast('add') castAdd(k: number, s: { n: number; seen: unknown[] }) {
    return noreply({ ...s, n: s.n + k, seen: [...s.seen, ['cast', k]] });
  }

  @handleCast('crash') crash(_: void): never {
    throw new Error('crashed by a cast');
  }

  @handleCast('sendTo') sendTo([ref, tag, payload]: [ServerRef, string, unknown], s: { n: number; seen: unknown[] }) {
    GenServer.send(ref, tag, payload);
    return noreply(s);
  }

  /** Casts and sends `add` 1..n to `ref`, alternating, from this server. */
  @handleCast('sendMany') sendMany([ref, n]: [ServerRef, number], s: { n: number; seen: unknown[] }) {
    for (let i = 1; i <= n; i++) {
      if (i % 2) GenServer.cast(ref, 'add', i);
      else GenServer.send(ref, 'add', i);
    }
    return noreply(s);
  }

  @handleInfo('add') infoAdd(k: number, s: { n: number; seen: unknown[] }) {
    return noreply({ ...s, n: s.n + k, seen: [...s.seen, ['info', k]] });
  }

  @handleInfo('EXIT') exit(m: unknown, s: { n: number; seen: unknown[] }) {
    return noreply({ ...s, seen: [...s.seen, ['EXIT', m]] });
  }

  @handleInfo('DOWN') down(m: { ref: unknown; reason: unknown }, s: { n: number; seen: unknown[] }) {
    return noreply({ ...s, seen: [...s.seen, ['DOWN', m.ref, m.reason]] });
  }

  @handleInfo('nodedown') nodedown(m: { node: string }, s: { n: number; seen: unknown[] }) {
    return noreply({ ...s, seen: [...s.seen, ['nodedown', m.node]] });
  }
}

/** A server whose terminate takes its time (stop mid-way). */
export class SlowStop extends GenServer<number> {
  @handleCall('ping') ping(_: void, s: number) {
    return reply('pong', s);
  }

  @terminate async cleanup() {
    await new Promise((r) => setTimeout(r, 60_000));
  }
}

/** A server whose init takes its time (a thread killed mid-start). */
export class SlowStart extends GenServer<number> {
  @init async setup(ms: number) {
    await new Promise((r) => setTimeout(r, ms));
    return ms;
  }
}

/** CPU-bound work: each call burns about `ms` milliseconds of CPU. */
export class Burner extends GenServer<number> {
  @handleCall('burn') burn(ms: number, s: number) {
    const end = performance.now() + ms;
    let x = 0;
    while (performance.now() < end) x++;
    return reply(x > 0 ? s + 1 : s, s + 1);
  }
}

/** Holds a secret; its `@formatStatus` hides it from every view, on whichever node it runs. */
export class Sealed extends GenServer<{ secret: string }> {
  @handleCall('peek') peek(_: void, s: { secret: string }) {
    return reply(s.secret.length, s);
  }

  @formatStatus
  hide(_status: Status<{ secret: string }>) {
    return { state: { secret: '<hidden>' } };
  }
}
