import { expect } from 'chai';
import {
  ArgumentError,
  CallTimeoutError,
  GenServer,
  NoProcError,
  RequestId,
  ServerExitError,
  handleCall,
  init,
  noreply,
  reply,
  type From,
} from '../lib';
import { captureLogs, rejectionOf, sleep, trackServers } from './support/helpers';

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
