import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { BadReturnError, GenServer, handleCall, handleCast, handleInfo, noreply, reply, type NoReply, type ServerRef } from '../lib';
import { captureLogs, gate } from './support/helpers';

/** Runs a child Node under ts-node from the project root with `flag`, then `args`; resolves to its stdout. */
function node(flag: string, ...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [flag, '-r', 'ts-node/register/transpile-only', ...args],
      { cwd: join(__dirname, '..'), timeout: 20000 },
      (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout)),
    );
  });
}

// The dispatcher calls each handler through a small function of its own (metadata.ts, `invoker`),
// so the call can be inlined. These specs pin down that it behaves as calling the class's method
// with `Function.prototype.call`, whatever the method's name and the server's own properties.

const QUOTED = `it's "quoted" \\ and \`ticked\` ${'$'}{not} */ // ');`;

class Odd extends GenServer<string[]> {
  @handleCast('plain')
  plain(tag: string, seen: string[]) {
    return noreply([...seen, `plain:${tag}`]);
  }

  @handleCast('quoted')
  [QUOTED](tag: string, seen: string[]) {
    return noreply([...seen, `quoted:${tag}`]);
  }

  @handleInfo('symbol')
  [Symbol.for('dispatch.spec')](_: unknown, seen: string[]) {
    return noreply([...seen, 'symbol']);
  }

  @handleCast('shadow')
  shadow(_: unknown, seen: string[]) {
    (this as unknown as Record<string, unknown>).plain = () => noreply(['shadowed']);
    return noreply(seen);
  }

  @handleCall('seen')
  seen(_: unknown, seen: string[]) {
    return reply(seen, seen);
  }

  @handleCall('this')
  isOdd(_: unknown, seen: string[]) {
    return reply(this instanceof Odd, seen);
  }
}

describe('handler dispatch', () => {
  it('calls methods whose names are any string (quotes, backslashes, comment marks) or a symbol', async () => {
    const ref = await Odd.start([]);
    GenServer.cast(ref, 'quoted', 'a');
    GenServer.cast(ref, 'plain', 'b');
    GenServer.send(ref, 'symbol');
    expect(await GenServer.call(ref, 'seen')).to.deep.equal(['quoted:a', 'plain:b', 'symbol']);
    expect(await GenServer.call(ref, 'this')).to.equal(true);
    await GenServer.stop(ref);
  });

  it("calls the class's method even when the server object has a property of the same name", async () => {
    const ref = await Odd.start([]);
    // The server shadows its handler with another function (as `this.plain = ...bind(this)` in a
    // constructor might): the router was built from the class, and the class's method is what runs.
    GenServer.cast(ref, 'shadow');
    GenServer.cast(ref, 'plain', 'x');
    expect(await GenServer.call(ref, 'seen')).to.deep.equal(['plain:x']);
    await GenServer.stop(ref);
  });

  it('dispatches every kind of message under node --disallow-code-generation-from-strings', async function () {
    this.timeout(20000);
    const out = await node('--disallow-code-generation-from-strings', join('spec', 'fixtures', 'dispatch', 'no_codegen.ts'));
    expect(JSON.parse(out)).to.deep.equal({ generated: false, value: 6 });
  });

  it("gives a server started after the last one exited and full collections ran the runtime's kept hidden classes (checked in a child)", async function () {
    this.timeout(20000);
    const out = await node('--allow-natives-syntax', '--expose-gc', join('spec', 'fixtures', 'dispatch', 'kept_maps.ts'));
    const same = { lane: true, process: true, ref: true };
    expect(JSON.parse(out)).to.deep.equal([same, same, same]);
  });
});

/** The count when the DOWN of a monitor taken mid-run (how === 'monitor') was handled. */
let downAt: number | undefined;
/** The payload of the last cast a Run server handled. */
let lastAdd: number | undefined;
/** A server that has exited, for that monitor. */
let gone: ServerRef | undefined;

/** Counts `add` casts; the one numbered `at` misbehaves as `how` says. Held by `hold` while casts queue up. */
class Run extends GenServer<{ n: number; how: string; at: number }> {
  kept: NoReply<{ n: number; how: string; at: number }> | undefined;

  @handleCall('hold')
  async hold(open: Promise<void>, s: { n: number; how: string; at: number }) {
    await open;
    return reply(s.n, s);
  }

  @handleCall('count')
  count(_: undefined, s: { n: number; how: string; at: number }) {
    return reply(s.n, s);
  }

  /** A monitor on a dead server, taken mid-run (how === 'monitor'): its DOWN comes at once, on the control lane. */
  @handleInfo('DOWN')
  down(_: unknown, s: { n: number; how: string; at: number }) {
    downAt = s.n;
    return noreply(s);
  }

  @handleCast('add')
  add(k: number, s: { n: number; how: string; at: number }) {
    if (k === s.at) {
      if (s.how === 'throw') throw new Error(`cast ${k} failed`);
      if (s.how === 'undefined') return undefined as never;
      if (s.how === 'stale') return this.kept!;
      // Both take effect before the next message: a trace from it on, the DOWN between the two.
      if (s.how === 'trace') GenServer.trace(this.self, true);
      if (s.how === 'monitor') this.monitor(gone!);
      if (s.how === 'kill') GenServer.exit(this.self, 'kill');
    }
    lastAdd = k;
    const result = noreply({ ...s, n: s.n + 1 });
    this.kept = result;
    return result;
  }
}

describe('a run of queued casts to one handler (the dispatcher handles them in a tight loop)', () => {
  const logs = captureLogs();

  async function run(how: string, at: number, count = 1000): Promise<{ reason: unknown }> {
    const { ref, open, held } = await queued(how, at, count);
    const exited = GenServer.awaitExit(ref);
    open.open();
    await held;
    const reason = await exited;
    return { reason };
  }

  /** A Run server held with `count` casts queued behind the hold. */
  async function queued(how: string, at: number, count: number) {
    const ref = await Run.start({ n: 0, how, at });
    const open = gate();
    const held = GenServer.call(ref, 'hold', open.promise).catch(() => undefined);
    for (let i = 1; i <= count; i++) GenServer.cast(ref, 'add', i);
    return { ref, open, held };
  }

  /** Lets a queued Run server drain all `count` casts, then stops it. */
  async function drain(how: string, at: number, count: number): Promise<void> {
    const { ref, open, held } = await queued(how, at, count);
    open.open();
    await held;
    expect(await GenServer.call(ref, 'count')).to.equal(count);
    await GenServer.stop(ref);
  }

  it('crashes on the message whose handler throws, with that message in the crash report, and handles none after it', async () => {
    const { reason } = await run('throw', 500);
    expect(reason).to.be.instanceOf(Error).with.property('message', 'cast 500 failed');
    const details = logs.find((l) => l.level === 'error')?.details ?? {};
    expect(details).to.include.deep.property('lastMessage', { tag: 'add', payload: 500 });
    expect((details.state as { n: number }).n).to.equal(499);
  });

  it('crashes with BadReturnError on a message whose handler returns something else than noreply', async () => {
    const { reason } = await run('undefined', 300);
    expect(reason).to.be.instanceOf(BadReturnError);
    expect((logs.find((l) => l.level === 'error')?.details?.state as { n: number } | undefined)?.n).to.equal(299);
  });

  it('traces every message after the one whose handler turns tracing on, mid-run', async () => {
    await drain('trace', 300, 1000);
    const traced = logs.filter((l) => l.level === 'info' && / in: cast 'add' /.test(l.message)).map((l) => l.message);
    expect(traced).to.have.length(700);
    expect(traced[0]).to.match(/ in: cast 'add' 301$/);
  });

  it('handles a control message a handler causes mid-run (a DOWN at once) before the next message of the run', async () => {
    gone = await Run.start({ n: 0, how: '', at: 0 });
    await GenServer.stop(gone);
    downAt = undefined;
    await drain('monitor', 300, 1000);
    expect(downAt).to.equal(300);
  });

  it('handles none of the run after a handler kills its own server mid-run', async () => {
    const { reason } = await run('kill', 400);
    expect(reason).to.equal('killed');
    expect(lastAdd).to.equal(400);
  });

  it('refuses a result kept from the message before, mid-run, rather than applying it', async () => {
    const { reason } = await run('stale', 200);
    expect(reason).to.be.instanceOf(BadReturnError);
    expect((logs.find((l) => l.level === 'error')?.details?.state as { n: number } | undefined)?.n).to.equal(199);
  });
});

describe("the package's exports object", () => {
  it('holds plain data properties (no getters) and is marked as an ES module, as TypeScript output is', () => {
    const lib = require('../lib') as Record<string, unknown>;
    const getters = Object.keys(lib).filter((name) => Object.getOwnPropertyDescriptor(lib, name)?.get !== undefined);
    expect(getters).to.deep.equal([]);
    expect(lib.__esModule).to.equal(true);
    expect(typeof lib.noreply).to.equal('function');
  });

  it('is a fast-mode object in V8, not a dictionary (checked in a child with --allow-natives-syntax)', async function () {
    this.timeout(20000);
    const out = await node('--allow-natives-syntax', '-e', "process.stdout.write(String(%HasFastProperties(require('./lib'))))");
    expect(out).to.equal('true');
  });
});
