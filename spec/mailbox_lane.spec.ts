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

/** True when `entry` has the kind, tag and target the lane's cursor holds (what a repeat would). */
function repeatsCursor(lane: Mailbox, entry: { kind: number; tag: string; target: unknown }): boolean {
  return lane.cursor.kind === entry.kind && lane.cursor.tag === entry.tag && lane.cursor.target === entry.target;
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
          // Few kinds, tags and targets, so that runs of equal ones (stored as SAME entries) are common.
          const kind = next() < 0.8 ? CAST : INFO;
          const tag = next() < 0.8 ? 'add' : `tag${n % 3}`;
          const target = next() < 0.9 ? 'ref' : n % 2;
          const payload = { n };
          lane.push(kind, tag, payload, target);
          model.push({ kind, tag, payload, target });
        }
      } else if (next() < 0.5 && lane.length > 0 && model[0].message === undefined && repeatsCursor(lane, model[0])) {
        // The drain's run: an entry that repeats the cursor's kind, tag and target may be taken so.
        const expected = model.shift()!;
        if (lane.takeSame()) expect(lane.cursor.payload).to.equal(expected.payload);
        else {
          // Not stored as a repeat (a call came between, or it was not queued right after one like it).
          const got = lane.shift()!;
          expect({ kind: got.kind, tag: got.tag, payload: got.payload, target: got.target }).to.deep.equal({
            kind: expected.kind,
            tag: expected.tag,
            payload: expected.payload,
            target: expected.target,
          });
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
      if (step % 997 === 0) {
        // The status views' copy of the queue, repeats spelled out.
        expect(lane.peek(50)).to.deep.equal(model.slice(0, 50).map(({ kind, tag, payload }) => ({ kind, tag, payload })));
      }
    }
  });

  it('stores a cast that repeats the one queued just before it as a repeat, taken with its payload alone, and nothing else so', () => {
    const lane = new Mailbox();
    for (let i = 0; i < 5; i++) lane.push(CAST, 'add', i, 'ref');
    lane.push(CAST, 'add', 5, 'other');
    lane.push(CAST, 'add', 6, 'other');
    lane.pushMessage(new Message(CALL, 'get', undefined, 'other'));
    lane.push(CAST, 'add', 7, 'other');
    lane.push(INFO, 'add', 8, 'other');
    expect(lane.takeSame()).to.equal(false);
    expect(lane.shift()).to.equal(lane.cursor);
    const taken: unknown[] = [];
    while (lane.takeSame()) taken.push(lane.cursor.payload);
    expect(taken).to.deep.equal([1, 2, 3, 4]);
    // Another target: a new entry, then its repeat.
    expect(lane.takeSame()).to.equal(false);
    expect(lane.shift()!.payload).to.equal(5);
    expect(lane.takeSame()).to.equal(true);
    expect(lane.cursor.payload).to.equal(6);
    expect(lane.cursor.target).to.equal('other');
    // After a call, the same cast is queued in full again; so is one of another kind.
    expect(lane.takeSame()).to.equal(false);
    expect(lane.shift()!.kind).to.equal(CALL);
    expect(lane.takeSame()).to.equal(false);
    expect(lane.shift()!.payload).to.equal(7);
    expect(lane.takeSame()).to.equal(false);
    expect(lane.shift()!.kind).to.equal(INFO);
    expect(lane.length).to.equal(0);
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
