import { expect } from 'chai';
import { Mailbox } from '../lib/process/mailbox';
import { CALL, CAST, INFO, Message } from '../lib/process/message';

/** A tiny deterministic generator (xorshift), so a failure replays. */
function random(seed: number): () => number {
  let x = seed;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

describe('a mailbox lane (compact entries in chunks)', () => {
  it('gives back entries in the order they came, compact and object entries mixed, across chunk boundaries and refills', () => {
    const lane = new Mailbox();
    const model: { kind: number; tag: string; payload: unknown; target: unknown; message?: Message }[] = [];
    const next = random(42);
    let n = 0;
    for (let step = 0; step < 60_000; step++) {
      // Bursts that grow the lane past several chunks, then drains that empty it (and so reset it).
      const pushing = step % 6_000 < 3_600 ? next() < 0.7 : next() < 0.3;
      if (pushing) {
        n++;
        if (next() < 0.2) {
          const message = new Message(CALL, `call${n}`, n, 'target');
          lane.pushMessage(message);
          model.push({ kind: CALL, tag: message.tag, payload: n, target: 'target', message });
        } else {
          const kind = next() < 0.5 ? CAST : INFO;
          lane.push(kind, `tag${n}`, { n }, n);
          model.push({ kind, tag: `tag${n}`, payload: { n }, target: n });
        }
      } else {
        const expected = model.shift();
        const got = lane.shift();
        expect(got !== undefined).to.equal(expected !== undefined);
        if (expected === undefined || got === undefined) continue;
        expect({ kind: got.kind, tag: got.tag, payload: got.payload, target: got.target }).to.deep.equal({
          kind: expected.kind,
          tag: expected.tag,
          payload: expected.payload,
          target: expected.target,
        });
        // A call comes out as its own Message; a compact entry as the lane's reused cursor.
        expect(got).to.equal(expected.message ?? lane.cursor);
      }
      expect(lane.length).to.equal(model.length);
    }
  });

  it('hands over only the Message objects when it is emptied at once (the calls a dying server must answer)', () => {
    const lane = new Mailbox();
    const calls: Message[] = [];
    for (let i = 0; i < 5000; i++) {
      if (i % 7 === 0) {
        const message = new Message(CALL, 'c', i, undefined);
        calls.push(message);
        lane.pushMessage(message);
      } else lane.push(CAST, 'a', i, undefined);
    }
    expect(lane.takeMessages()).to.deep.equal(calls);
    expect(lane.length).to.equal(0);
    expect(lane.shift()).to.equal(undefined);
  });
});
