import { expect } from 'chai';
import { format } from 'node:util';
import { main } from '../../examples/cluster/app';
import { natsServerInstalled } from '../support/nats_server';

describe('examples/cluster/app.ts', function () {
  this.timeout(240_000);

  it('runs the chat across three processes, and moves the RoomDirectory singleton to a survivor after kill -9 of its node', async function () {
    if (!natsServerInstalled()) this.skip();
    const lines: string[] = [];
    const original = console.log;
    console.log = (...args: unknown[]) => void lines.push(format(...args));
    try {
      await main();
    } finally {
      console.log = original;
    }
    const text = lines.join('\n');
    expect(lines).to.include('nodes: chat-1, chat-2, chat-3');
    const home = /^the RoomDirectory singleton runs on (chat-\d)$/m.exec(text)?.[1];
    expect(home, text).to.be.a('string');
    expect(lines).to.include("bob@chat-2 joins lobby → [ 'ann', 'bob' ]");
    expect(lines).to.include('lobby as chat-3 reads it: ann: hello from chat-1 | bob: hi ann, this is chat-2');
    expect(lines).to.include('directory: elixir@chat-3, lobby@chat-1, typescript@chat-2');
    expect(lines).to.include(`kill -9 ${home}`);
    const moved = /^the RoomDirectory singleton runs on (chat-\d) now, (\d+) ms after the kill$/m.exec(text);
    expect(moved, text).to.not.equal(null);
    expect(moved![1]).to.not.equal(home);
    // seen down within downAfterMs + heartbeatMs / 2 (2250 ms); the rest is a margin for a loaded machine
    expect(Number(moved![2])).to.be.below(2250 + 5000);
    const after = /^directory after the failover: (.*) \(the rooms of/m.exec(text)![1].split(', ');
    const rooms = { 'chat-1': 'lobby', 'chat-2': 'typescript', 'chat-3': 'elixir' } as Record<string, string>;
    expect(after).to.have.length(2);
    expect(after.some((r) => r.startsWith(`${rooms[home!]}@`))).to.equal(false);
    expect(lines[lines.length - 1]).to.equal('chat nodes stopped, cluster left');
  });
});
