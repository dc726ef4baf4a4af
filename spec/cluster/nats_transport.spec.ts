import { expect } from 'chai';
import { connect } from '@nats-io/transport-node';
import { setLogger, type Logger } from '../../lib';
import { ArgumentError } from '../../lib/errors';
import { NatsTransport, type NatsTransportOptions } from '../../lib/node/nats/transport';
import { v8Codec } from '../../lib/node/codec';
import { F_CALL, F_CAST, F_REPLY, R_ERROR, R_OK, type Frame } from '../../lib/node/transport';
import { NatsCluster, NatsServer, natsServerInstalled, processAlive } from '../support/nats_server';
import { startNode, stopAll, type NodeProcess } from '../support/node_process';

// The NATS transport between OS processes: frames in order, membership (up, down by goodbye, by
// "no responders", by missing heartbeats), incarnations, clusters sharing one NATS, payload
// limits, malformed frames, a NATS restart under live nodes, credentials.

/** This process as a node: a transport plus what it was told. */
class Here {
  readonly ups: string[] = [];
  readonly downs: { node: string; reason: unknown; at: number }[] = [];
  readonly casts: unknown[] = [];
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: [number, unknown]) => void }>();

  private constructor(readonly transport: NatsTransport) {
    transport.attach({
      frame: (_from, frame) => {
        if (frame[0] === F_REPLY) this.pending.get(frame[1] as number)?.resolve([frame[2] as number, frame[3]]);
        else if (frame[0] === F_CAST) this.casts.push(frame[3]);
      },
      nodeUp: (node) => this.ups.push(node),
      nodeDown: (node, reason) => this.downs.push({ node, reason, at: Date.now() }),
    });
  }

  static async join(options: NatsTransportOptions): Promise<Here> {
    return new Here(await NatsTransport.connect(options));
  }

  /** A request frame; resolves to [status, value] of its F_REPLY (or times out). */
  call(node: string, tag: string, payload: unknown, timeoutMs = 10_000): Promise<[number, unknown]> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`no reply to ${tag} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (v) => {
          clearTimeout(timer);
          this.pending.delete(id);
          resolve(v);
        },
      });
      this.transport.send(node, [F_CALL, id, 'echo-server', tag, payload, 0, 0] as Frame);
    });
  }

  cast(node: string, tag: string, payload: unknown): void {
    this.transport.send(node, [F_CAST, 'echo-server', tag, payload, 0, 0]);
  }

  close(): Promise<void> {
    return this.transport.close();
  }
}

async function until(what: string, test: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function capture(): { logs: string[]; restore: () => void } {
  const logs: string[] = [];
  const sink = (m: string) => logs.push(m);
  const previous = setLogger({ error: sink, warn: sink, info: sink } satisfies Logger);
  return { logs, restore: () => setLogger(previous) };
}

describe('NatsTransport (nodes as OS processes)', function () {
  this.timeout(60_000);
  let server: NatsServer;
  const opened: Here[] = [];
  const join = async (options: Partial<NatsTransportOptions> & { name: string }) => {
    const here = await Here.join({ servers: server.url, ...options });
    opened.push(here);
    return here;
  };
  const node = (name: string, env: Record<string, string> = {}) =>
    startNode('echo_node.ts', { NATS_URL: server.url, NODE_NAME: name, ...env });

  before(async function () {
    if (!natsServerInstalled()) this.skip();
    server = await NatsServer.start({ maxPayload: 64 * 1024 });
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((h) => h.close()));
    await stopAll();
  });
  after(async () => {
    await server?.stop();
  });

  it('sees a node that joins, and carries frames both ways with every wire value unchanged', async () => {
    const here = await join({ name: 'here' });
    const b = await node('b');
    await until('b up', () => here.ups.includes('b'));
    expect(here.transport.nodes()).to.deep.equal(['b']);
    const value = {
      n: 1,
      big: 2n ** 70n,
      at: new Date(5),
      m: new Map([['k', new Set([1])]]),
      bytes: Uint8Array.from([1, 2]),
      u: undefined,
      ref: { $: 'ref', node: 'b', inc: 1, id: 2, cls: 'X' },
    };
    expect(await here.call('b', 'echo', value)).to.deep.equal([R_OK, value]);
    await b.waitFor('up here');
  });

  it('lists the nodes already there when it joins', async () => {
    await node('b');
    await node('c');
    const here = await join({ name: 'here' });
    expect(here.transport.nodes().sort()).to.deep.equal(['b', 'c']);
  });

  it('keeps the order of frames from one node to another', async () => {
    const here = await join({ name: 'here' });
    await node('b');
    await until('b up', () => here.ups.includes('b'));
    for (let i = 0; i < 2000; i++) here.cast('b', 'echo', i);
    await until('2000 casts back', () => here.casts.length === 2000);
    expect(here.casts).to.deep.equal(Array.from({ length: 2000 }, (_, i) => i));
  });

  describe('with batching on (the default; GENSERVER_NATS_BATCH=0 turns it off)', () => {
    let before: string | undefined;
    beforeEach(() => {
      before = process.env.GENSERVER_NATS_BATCH;
      delete process.env.GENSERVER_NATS_BATCH;
    });
    afterEach(() => {
      if (before === undefined) delete process.env.GENSERVER_NATS_BATCH;
      else process.env.GENSERVER_NATS_BATCH = before;
    });

    /** Casts 1000 frames to node b in one turn; resolves to how many NATS messages carried them, once all are echoed back in order. */
    async function messagesFor1000Casts(): Promise<number> {
      const here = await join({ name: 'here' });
      await node('b');
      await until('b up', () => here.ups.includes('b'));
      const spy = await connect({ servers: server.url });
      let messages = 0;
      spy.subscribe('genserver.node.b', {
        callback: () => {
          messages++;
        },
      });
      await spy.flush();
      try {
        for (let i = 0; i < 1000; i++) here.cast('b', 'echo', i);
        await until('1000 casts back', () => here.casts.length === 1000);
        expect(here.casts).to.deep.equal(Array.from({ length: 1000 }, (_, i) => i));
        // NATS routed every message to the spy before the echoes came back; its round trip delivers them.
        await spy.flush();
        return messages;
      } finally {
        await spy.close();
      }
    }

    it('sends the frames of one turn to one node as one NATS message, decoded in order on the other side', async () => {
      expect(await messagesFor1000Casts()).to.equal(1);
    });

    it('sends each frame as a NATS message of its own with GENSERVER_NATS_BATCH=0', async () => {
      process.env.GENSERVER_NATS_BATCH = '0';
      expect(await messagesFor1000Casts()).to.equal(1000);
    });

    it('splits a batch above max_payload into messages that fit, in order, and refuses only the one frame that cannot fit', async () => {
      const here = await join({ name: 'here' });
      await node('b');
      await until('b up', () => here.ups.includes('b'));
      // 300 frames of 1 KiB in one turn: about 300 KiB, where the server takes 64 KiB a message
      const kib = (i: number) => ({ i, pad: new Uint8Array(1024) });
      const log = capture();
      try {
        for (let i = 0; i < 300; i++) here.cast('b', 'echo', i === 150 ? { i, pad: new Uint8Array(100 * 1024) } : kib(i));
        const calls = [here.call('b', 'echo', 'last')];
        await until('299 casts back', () => here.casts.length === 299);
        expect(await calls[0]).to.deep.equal([R_OK, 'last']);
      } finally {
        log.restore();
      }
      expect(here.casts.map((c) => (c as { i: number }).i)).to.deep.equal(
        Array.from({ length: 300 }, (_, i) => i).filter((i) => i !== 150),
      );
      expect(log.logs.join('\n')).to.match(/dropped.*(PayloadTooLarge|more than the 65536 bytes)/);
      // a call too big for a message of its own, sent among casts, rejects alone
      here.cast('b', 'echo', 'before');
      const [status, error] = await here.call('b', 'echo', new Uint8Array(100 * 1024));
      here.cast('b', 'echo', 'after');
      expect(status).to.equal(R_ERROR);
      expect(error).to.include({ class: 'PayloadTooLargeError' });
      await until('before and after back', () => here.casts.includes('after'));
      expect(here.casts.slice(-2)).to.deep.equal(['before', 'after']);
    });
  });

  it('reports a node that leaves as down at once, and one killed with kill -9 as down at its next frame ("no responders")', async () => {
    const here = await join({ name: 'here', heartbeatMs: 1000, downAfterMs: 30_000 });
    const b = await node('b');
    const c = await node('c');
    await until('b and c up', () => here.ups.includes('b') && here.ups.includes('c'));
    await b.kill('SIGTERM'); // closes its transport: a goodbye
    await until('b down', () => here.downs.some((d) => d.node === 'b'));
    expect(here.downs[0].reason).to.equal('left the cluster');

    await c.kill(); // kill -9: no goodbye; the heartbeat bound here is 30 s
    const before = Date.now();
    // NATS answers "no responders" once it has noticed the closed connection (at once, or a moment
    // later on a loaded machine): frames go on until then, as a program's traffic would.
    const sending = setInterval(() => here.cast('c', 'echo', 1), 50);
    try {
      await until('c down', () => here.downs.some((d) => d.node === 'c'), 5000);
    } finally {
      clearInterval(sending);
    }
    expect(Date.now() - before).to.be.below(5000);
    expect(String(here.downs[1].reason)).to.match(/no responders/);
    expect(here.transport.nodes()).to.deep.equal([]);
  });

  it('sees a node killed with kill -9 as down within downAfterMs (plus one sweep) without any traffic', async () => {
    const here = await join({ name: 'here', heartbeatMs: 200, downAfterMs: 1000 });
    const b = await node('b', { HEARTBEAT_MS: '200', DOWN_AFTER_MS: '1000' });
    await until('b up', () => here.ups.includes('b'));
    const killed = Date.now();
    await b.kill();
    await until('b down', () => here.downs.some((d) => d.node === 'b'), 10_000);
    const took = here.downs[0].at - killed;
    expect(String(here.downs[0].reason)).to.match(/no heartbeat for 1000 ms/);
    // bound: downAfterMs + heartbeatMs/2 for the sweep; the rest is a margin for a loaded machine
    expect(took).to.be.below(1000 + 100 + 1500);
    expect(took).to.be.at.least(600);
  });

  it('treats a node that comes back under the same name as a new incarnation (down, then up)', async () => {
    const here = await join({ name: 'here', downAfterMs: 30_000 });
    const first = await node('b');
    await until('b up', () => here.ups.length === 1);
    const firstSession = here.transport.membership.session('b');
    await first.kill();
    await node('b'); // a new process under the same name, before any heartbeat timeout
    await until('b down and up again', () => here.downs.length === 1 && here.ups.length === 2);
    expect(here.downs[0].reason).to.equal('restarted');
    expect(here.transport.membership.session('b')).to.be.above(firstSession!);
    expect(await here.call('b', 'echo', 'again')).to.deep.equal([R_OK, 'again']);
  });

  it('keeps two clusters on one NATS apart', async () => {
    const red = await join({ name: 'here', cluster: 'red' });
    const blue = await join({ name: 'here', cluster: 'blue' });
    await node('b', { CLUSTER: 'blue' });
    await until('b up in blue', () => blue.ups.includes('b'));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(red.transport.nodes()).to.deep.equal([]);
    expect(await blue.call('b', 'echo', 'blue')).to.deep.equal([R_OK, 'blue']);
  });

  it('refuses a request above max_payload at the sender with PayloadTooLargeError, and a reply above it on the other side', async () => {
    const here = await join({ name: 'here' });
    await node('b');
    await until('b up', () => here.ups.includes('b'));
    const [status, error] = await here.call('b', 'echo', new Uint8Array(100 * 1024));
    expect(status).to.equal(R_ERROR);
    expect(error).to.include({ $: 'error', class: 'PayloadTooLargeError' });
    expect((error as { fields: Record<string, unknown> }).fields).to.include({ node: 'b', maxPayload: 64 * 1024 });
    const [replyStatus, replyError] = await here.call('b', 'big', 100 * 1024);
    expect(replyStatus).to.equal(R_ERROR);
    expect(replyError).to.include({ class: 'PayloadTooLargeError' });
    expect((replyError as { fields: Record<string, unknown> }).fields).to.include({ node: 'here' });
    // a cast above the limit is logged and dropped (when its turn's batch leaves); the node goes on
    const log = capture();
    try {
      here.cast('b', 'echo', new Uint8Array(100 * 1024));
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      log.restore();
    }
    expect(log.logs.join('\n')).to.match(/dropped.*PayloadTooLarge|more than the 65536 bytes/);
    expect(await here.call('b', 'echo', 'still here')).to.deep.equal([R_OK, 'still here']);
  });

  it('drops and logs a malformed frame, and keeps running', async () => {
    const here = await join({ name: 'here' });
    const nc = await connect({ servers: server.url });
    const log = capture();
    try {
      nc.publish('genserver.node.here', Uint8Array.from([1, 9, 0xff, 0xff, 0xff, 0xff]));
      nc.publish('genserver.node.here', new TextEncoder().encode('{"__proto__": {"polluted": 1}}'));
      nc.publish('genserver.hb', Uint8Array.from([7, 7, 7]));
      await nc.flush();
      await until('three drops logged', () => log.logs.length >= 3);
    } finally {
      log.restore();
      await nc.close();
    }
    expect(log.logs.join('\n')).to.match(/malformed frame/);
    expect(({} as { polluted?: unknown }).polluted).to.equal(undefined);
    await node('b');
    await until('b up', () => here.ups.includes('b'));
    expect(await here.call('b', 'echo', 1)).to.deep.equal([R_OK, 1]);
  });

  it('delivers the well-formed frames of a batch in order and drops (and logs) a malformed one among them', async () => {
    const here = await join({ name: 'here' });
    const nc = await connect({ servers: server.url });
    const log = capture();
    try {
      const cast = (value: string) => [F_CAST, 'echo-server', 'echo', value, 0, 0];
      nc.publish('genserver.node.here', v8Codec.encode(['spy', 1, 'spy', 'here', [cast('one'), 'not a frame', [], cast('two')]]));
      await nc.flush();
      await until('two casts', () => here.casts.length === 2);
      await until('the drop logged', () => log.logs.length > 0);
    } finally {
      log.restore();
      await nc.close();
    }
    expect(here.casts).to.deep.equal(['one', 'two']);
    expect(log.logs.join('\n')).to.match(/malformed frame.*2 of the 4 frames/);
  });

  it('goes on after a NATS restart under live nodes: frames flow again once both have reconnected', async () => {
    const here = await join({ name: 'here', heartbeatMs: 200, downAfterMs: 5000 });
    await node('b', { HEARTBEAT_MS: '200', DOWN_AFTER_MS: '5000' });
    await until('b up', () => here.ups.includes('b'));
    await server.restart();
    // During and right after the outage a call gets an answer or is lost (its caller's timeout
    // decides); it never throws. After both reconnected, calls work again.
    let answered: [number, unknown] | undefined;
    const deadline = Date.now() + 20_000;
    while (answered === undefined && Date.now() < deadline) {
      answered = await here.call('b', 'echo', 'after', 500).catch(() => undefined);
      if (!here.transport.nodes().includes('b')) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(answered).to.deep.equal([R_OK, 'after']);
  });

  it('keeps carrying frames on a routed 3-server NATS cluster while the server a node uses is killed', async () => {
    const cluster = await NatsCluster.start(3);
    try {
      const here = await Here.join({ name: 'here', servers: cluster.urls, downAfterMs: 10_000 });
      opened.push(here);
      await startNode('echo_node.ts', { NATS_URL: cluster.urls.join(','), NODE_NAME: 'b', DOWN_AFTER_MS: '10000' });
      await until('b up', () => here.ups.includes('b'));
      expect(await here.call('b', 'echo', 'before')).to.deep.equal([R_OK, 'before']);
      const used = cluster.servers.find((s) => s.name === here.transport.connection.info?.server_name)!;
      expect(used, 'the server this node is connected to').to.not.equal(undefined);
      await used.kill();
      // Calls made while the client fails over may be lost (at most once); none hangs past its
      // timeout, and calls get through again once it has reconnected to a surviving server.
      let answered: [number, unknown] | undefined;
      const deadline = Date.now() + 30_000;
      while (answered === undefined && Date.now() < deadline) {
        answered = await here.call('b', 'echo', 'after', 500).catch(() => undefined);
      }
      expect(answered).to.deep.equal([R_OK, 'after']);
      expect(here.transport.connection.info?.server_name).to.not.equal(used.name);
      await here.close();
    } finally {
      await stopAll();
      await cluster.stop();
    }
  });

  it('refuses to join without the credentials the server requires, and joins with them', async () => {
    const secured = await NatsServer.start({ auth: { user: 'ann', password: 's3cret' } });
    try {
      let refused: unknown;
      await NatsTransport.connect({ name: 'here', servers: secured.url, maxReconnectAttempts: 0 }).then(
        (t) => t.close(),
        (error) => {
          refused = error;
        },
      );
      expect(refused).to.be.instanceOf(Error);
      expect((refused as Error).message.toLowerCase()).to.include('authorization');
      const here = await Here.join({ name: 'here', servers: secured.url, user: 'ann', pass: 's3cret' });
      opened.push(here);
      await startNode('echo_node.ts', { NATS_URL: secured.url, NODE_NAME: 'b', NATS_USER: 'ann', NATS_PASS: 's3cret' });
      await until('b up', () => here.ups.includes('b'));
      expect(await here.call('b', 'echo', 'authorized')).to.deep.equal([R_OK, 'authorized']);
      await here.close();
    } finally {
      await stopAll();
      await secured.stop();
    }
  });

  it('rejects a bad name, cluster or timing with ArgumentError before connecting', async () => {
    for (const bad of [
      { name: 'a.b' },
      { name: '' },
      { name: 'x', cluster: 'a b' },
      { name: 'x', heartbeatMs: 0 },
      { name: 'x', heartbeatMs: 1000, downAfterMs: 1500 },
    ]) {
      let error: unknown;
      await NatsTransport.connect({ servers: server.url, ...bad } as NatsTransportOptions).then(
        (t) => t.close(),
        (e) => {
          error = e;
        },
      );
      expect(error, JSON.stringify(bad)).to.be.instanceOf(ArgumentError);
    }
  });

  it('leaves no node process behind', async () => {
    const b: NodeProcess = await node('b');
    const pid = b.pid;
    expect(await stopAll()).to.equal(1);
    expect(processAlive(pid)).to.equal(false);
  });
});
