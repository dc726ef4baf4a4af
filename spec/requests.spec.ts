import { expect } from 'chai';
import {
  ArgumentError,
  CallTimeoutError,
  GenServer,
  NoProcError,
  RequestId,
  RequestIdCollection,
  ServerExitError,
  handleCall,
  init,
  noreply,
  reply,
  type From,
} from '../lib';
import { captureLogs, gate, rejectionOf, sleep, trackServers } from './support/helpers';

class Echo extends GenServer<
  { delay: number; held?: From },
  {
    init: number;
    calls: { echo: [payload: string, reply: string]; hold: [payload: void, reply: string]; crash: [payload: void, reply: never] };
  }
> {
  @init
  setup(delay: number) {
    return { delay };
  }

  @handleCall('echo')
  async echo(text: string, state: { delay: number }) {
    if (state.delay > 0) await sleep(state.delay);
    return reply(text, state);
  }

  @handleCall('hold')
  hold(_: void, state: { delay: number }) {
    return noreply(state);
  }

  @handleCall('crash')
  crash(): never {
    throw new Error('crashed on request');
  }
}

describe('GenServer.sendRequest() and friends (OTP send_request / receive_response)', () => {
  const track = trackServers();
  captureLogs();

  it('sends the call at once and receiveResponse resolves to the reply later', async () => {
    const server = track(await Echo.start(0));
    const request = GenServer.sendRequest(server, 'echo', 'hi');
    expect(request).to.be.instanceOf(RequestId);
    expect(await GenServer.receiveResponse(request)).to.equal('hi');
    expect(GenServer.checkResponse(request)).to.deep.equal({ reply: 'hi' });
  });

  it('keeps many requests in flight at once: the servers work concurrently', async () => {
    const servers = [track(await Echo.start(30)), track(await Echo.start(30)), track(await Echo.start(30))];
    const requests = servers.map((s, i) => GenServer.sendRequest(s, 'echo', `#${i}`));
    const replies = await Promise.all(requests.map((r) => GenServer.receiveResponse(r, 1000)));
    expect(replies).to.deep.equal(['#0', '#1', '#2']);
  });

  it('receiveResponse rejects with CallTimeoutError after the timeout; the server keeps running', async () => {
    const server = track(await Echo.start(0));
    const request = GenServer.sendRequest(server, 'hold');
    const error = await rejectionOf(GenServer.receiveResponse(request, 10));
    expect(error).to.be.instanceOf(CallTimeoutError).and.to.include({ server, tag: 'hold', timeout: 10 });
    expect(GenServer.isAlive(server)).to.equal(true);
  });

  it('waitResponse resolves to undefined on timeout and the request stays collectable', async () => {
    const server = track(await Echo.start(40));
    const request = GenServer.sendRequest(server, 'echo', 'late');
    expect(await GenServer.waitResponse(request, 1)).to.equal(undefined);
    expect(GenServer.checkResponse(request)).to.equal(undefined);
    expect(await GenServer.waitResponse(request, 2000)).to.deep.equal({ reply: 'late' });
  });

  it('delivers failures as errors: NoProcError for a dead server, ServerExitError for a crash', async () => {
    const dead = await Echo.start(0);
    await GenServer.stop(dead);
    expect(await rejectionOf(GenServer.receiveResponse(GenServer.sendRequest(dead, 'echo', 'x')))).to.be.instanceOf(NoProcError);
    const server = await Echo.start(0);
    const response = await GenServer.waitResponse(GenServer.sendRequest(server, 'crash'));
    expect(response).to.have.property('error').that.is.instanceOf(ServerExitError);
  });

  it('leaves no unhandled rejection for a failed request no one collects', async () => {
    const rejections: unknown[] = [];
    const onRejection = (reason: unknown) => rejections.push(reason);
    process.on('unhandledRejection', onRejection);
    try {
      GenServer.sendRequest('requests_spec_nobody', 'echo', 'x');
      await sleep(5);
    } finally {
      process.off('unhandledRejection', onRejection);
    }
    expect(rejections).to.deep.equal([]);
  });

  it('throws ArgumentError for a bad request or timeout', async () => {
    expect(() => GenServer.checkResponse({} as RequestId)).to.throw(ArgumentError);
    expect(await rejectionOf(GenServer.receiveResponse({} as RequestId))).to.be.instanceOf(ArgumentError);
    const server = track(await Echo.start(0));
    expect(await rejectionOf(GenServer.waitResponse(GenServer.sendRequest(server, 'echo', 'x'), -5))).to.be.instanceOf(ArgumentError);
  });
});

describe('GenServer.multiCall()', () => {
  const track = trackServers();
  captureLogs();

  it('calls every server at once and resolves to their replies in order, under one deadline', async () => {
    const fast = track(await Echo.start(0));
    const slow = track(await Echo.start(50));
    const stuck = track(await Echo.start(0));
    const dead = await Echo.start(0);
    await GenServer.stop(dead);
    const started = Date.now();
    const results = await GenServer.multiCall([fast, slow, dead], 'echo', 'hello', 2000);
    expect(results[0]).to.deep.equal({ server: fast, reply: 'hello' });
    expect(results[1]).to.deep.equal({ server: slow, reply: 'hello' });
    expect(results[2]).to.have.property('error').that.is.instanceOf(NoProcError);
    expect(Date.now() - started).to.be.below(2000);
    const timed = await GenServer.multiCall([stuck, fast], 'hold', undefined, 20);
    expect(timed[0]).to.have.property('error').that.is.instanceOf(CallTimeoutError);
    expect(timed[1]).to.have.property('error').that.is.instanceOf(CallTimeoutError);
  });

  it('rejects with ArgumentError for servers that are not an array', async () => {
    expect(await rejectionOf(GenServer.multiCall('x' as never, 'echo'))).to.be.instanceOf(ArgumentError);
  });
});

/** Replies to `'await'` with what its gate resolves to: the spec decides the order replies come in. */
class Gated extends GenServer<null> {
  @handleCall('await')
  async awaitGate(until: Promise<string>, state: null) {
    return reply(await until, state);
  }

  @handleCall('crash')
  crash(): never {
    throw new Error('crashed on request');
  }
}

/** Timers the event loop holds right now. */
const activeTimers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

describe('RequestIdCollection (OTP reqids) and collecting from it', () => {
  const track = trackServers();
  captureLogs();

  async function gated(n: number) {
    const refs = [];
    for (let i = 0; i < n; i++) refs.push(track(await Gated.start(null)));
    return refs;
  }

  it('holds requests with their labels: add, size, toList in the order added', async () => {
    const [a, b] = await gated(2);
    const ra = GenServer.sendRequest(a, 'await', Promise.resolve('a'));
    const rb = GenServer.sendRequest(b, 'await', Promise.resolve('b'));
    const ids = new RequestIdCollection<string>().add(ra, 'first').add(rb, 'second');
    expect(ids.size).to.equal(2);
    expect(ids.toList()).to.deep.equal([
      [ra, 'first'],
      [rb, 'second'],
    ]);
    expect(() => ids.add(ra, 'again')).to.throw(ArgumentError, /not yet in this collection/);
    expect(() => ids.add({} as RequestId, 'x')).to.throw(ArgumentError, /RequestId/);
  });

  it('receiveResponse resolves to responses in the order they arrive, with their labels, removing each', async () => {
    const servers = await gated(3);
    const gates = servers.map(() => gate<string>());
    const ids = new RequestIdCollection<number>();
    for (const [i, s] of servers.entries()) ids.add(GenServer.sendRequest(s, 'await', gates[i]!.promise), i);
    const order: number[] = [];
    const collecting = (async () => {
      for (let i = 0; i < 3; i++) {
        const r = await GenServer.receiveResponse(ids, 2000);
        if (typeof r === 'string') throw new Error(`unexpected ${r}`);
        expect(r).to.deep.include({ reply: `#${r.label}` });
        order.push(r.label);
      }
    })();
    for (const i of [2, 0, 1]) {
      gates[i]!.open(`#${i}`);
      await sleep(5);
    }
    await collecting;
    expect(order).to.deep.equal([2, 0, 1]);
    expect(ids.size).to.equal(0);
    expect(await GenServer.receiveResponse(ids, 10)).to.equal('noRequest');
  });

  it('hands out responses that arrived before collecting oldest answer first, even for a request added after it answered', async () => {
    const [a, b, c] = await gated(3);
    const rb = GenServer.sendRequest(b, 'await', Promise.resolve('b'));
    await GenServer.waitResponse(rb, 1000);
    const ra = GenServer.sendRequest(a, 'await', Promise.resolve('a'));
    await GenServer.waitResponse(ra, 1000);
    const rc = GenServer.sendRequest(c, 'await', Promise.resolve('c'));
    await GenServer.waitResponse(rc, 1000);
    const ids = new RequestIdCollection<string>().add(rc, 'c').add(ra, 'a').add(rb, 'b');
    const labels = [];
    for (let r = GenServer.checkResponse(ids); typeof r !== 'string'; r = GenServer.checkResponse(ids)) labels.push(r.label);
    expect(labels).to.deep.equal(['b', 'a', 'c']);
  });

  it('gives a dead or crashing server in the set its error as a response, never a rejection', async () => {
    const [alive, crashing] = await gated(2);
    const dead = await Gated.start(null);
    await GenServer.stop(dead);
    const ids = new RequestIdCollection<string>()
      .add(GenServer.sendRequest(dead, 'await', Promise.resolve('x')), 'dead')
      .add(GenServer.sendRequest(crashing, 'crash'), 'crashing')
      .add(GenServer.sendRequest(alive, 'await', Promise.resolve('fine')), 'alive');
    const got = new Map<string, unknown>();
    for (let r = await GenServer.receiveResponse(ids, 2000); typeof r !== 'string'; r = await GenServer.receiveResponse(ids, 2000)) {
      got.set(r.label, 'reply' in r ? r.reply : r.error);
    }
    expect(got.get('dead')).to.be.instanceOf(NoProcError);
    expect(got.get('crashing')).to.be.instanceOf(ServerExitError);
    expect(got.get('alive')).to.equal('fine');
  });

  it("receiveResponse resolves to 'timeout' and gives up the requests left: a later reply is ignored, the requests stay listed", async () => {
    const [s] = await gated(1);
    const late = gate<string>();
    const ids = new RequestIdCollection().add(GenServer.sendRequest(s!, 'await', late.promise), 'late');
    expect(await GenServer.receiveResponse(ids, 20)).to.equal('timeout');
    late.open('too late');
    await sleep(10);
    expect(ids.size).to.equal(1);
    expect(GenServer.checkResponse(ids)).to.equal('noReply');
    expect(await GenServer.receiveResponse(ids, 1000), 'nothing left that can answer: at once').to.equal('timeout');
  });

  it("waitResponse resolves to 'timeout' and the requests stay collectable", async () => {
    const [s] = await gated(1);
    const late = gate<string>();
    const ids = new RequestIdCollection().add(GenServer.sendRequest(s!, 'await', late.promise), 'late');
    expect(await GenServer.waitResponse(ids, 20)).to.equal('timeout');
    late.open('now');
    expect(await GenServer.waitResponse(ids, 1000)).to.deep.include({ reply: 'now', label: 'late' });
  });

  it('with { delete: false } keeps the request that answered, and hands out the next response next', async () => {
    const [a, b] = await gated(2);
    const ids = new RequestIdCollection<string>();
    ids.add(GenServer.sendRequest(a, 'await', Promise.resolve('a')), 'a');
    const first = await GenServer.receiveResponse(ids, 1000, { delete: false });
    ids.add(GenServer.sendRequest(b, 'await', Promise.resolve('b')), 'b');
    const second = await GenServer.waitResponse(ids, 1000, { delete: false });
    expect([first, second].map((r) => (typeof r === 'string' ? r : r.label))).to.deep.equal(['a', 'b']);
    expect(ids.size).to.equal(2);
    expect(GenServer.checkResponse(ids)).to.equal('noReply');
  });

  it('checkResponse never waits: a response, noReply, or noRequest', async () => {
    const [s] = await gated(1);
    const ids = new RequestIdCollection();
    expect(GenServer.checkResponse(ids)).to.equal('noRequest');
    const go = gate<string>();
    ids.add(GenServer.sendRequest(s!, 'await', go.promise), 'x');
    expect(GenServer.checkResponse(ids)).to.equal('noReply');
    go.open('done');
    await GenServer.waitResponse(ids, 1000, { delete: false });
    expect(GenServer.checkResponse(new RequestIdCollection().add(ids.toList()[0]![0], 'y'))).to.deep.include({ reply: 'done', label: 'y' });
  });

  it('two collectors waiting on one collection each get a different response', async () => {
    const [a, b] = await gated(2);
    const ga = gate<string>();
    const gb = gate<string>();
    const ids = new RequestIdCollection<string>()
      .add(GenServer.sendRequest(a, 'await', ga.promise), 'a')
      .add(GenServer.sendRequest(b, 'await', gb.promise), 'b');
    const one = GenServer.receiveResponse(ids, 2000);
    const two = GenServer.receiveResponse(ids, 2000);
    await sleep(5); // both handlers are awaiting their gates
    gb.open('b');
    await sleep(5);
    ga.open('a');
    const labels = (await Promise.all([one, two])).map((r) => (typeof r === 'string' ? r : r.label));
    expect(labels).to.deep.equal(['b', 'a']);
  });

  it('leaves no timer behind once a response ends the wait', async () => {
    const [s] = await gated(1);
    const go = gate<string>();
    const ids = new RequestIdCollection().add(GenServer.sendRequest(s!, 'await', go.promise), 'x');
    const before = activeTimers();
    const waiting = GenServer.receiveResponse(ids, 60_000);
    expect(activeTimers()).to.equal(before + 1);
    go.open('x');
    await waiting;
    expect(activeTimers()).to.equal(before);
  });

  it('rejects with ArgumentError for a bad timeout or delete option', async () => {
    const ids = new RequestIdCollection();
    expect(await rejectionOf(GenServer.receiveResponse(ids, -1))).to.be.instanceOf(ArgumentError);
    expect(await rejectionOf(GenServer.waitResponse(ids, 10, { delete: 'yes' as never }))).to.be.instanceOf(ArgumentError);
    expect(() => GenServer.checkResponse(ids, { delete: 1 as never })).to.throw(ArgumentError);
  });
});
