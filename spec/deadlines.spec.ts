import * as FakeTimers from '@sinonjs/fake-timers';
import { expect } from 'chai';
import fc from 'fast-check';
import { GenServer, handleCall, noreply, reply, type From } from '../lib';
import { addDeadline, removeDeadline, type DeadlineList, type DeadlineNode } from '../lib/process/deadlines';
import { heapAfterGc } from './support/heap';

// The deadline lists (lib/process/deadlines.ts): a FIFO per duration whose answered nodes are only
// unmarked, and dropped later. Against a model of what must expire when; and bounded when one old
// deadline stays pending while many newer ones are answered.

class Node implements DeadlineNode {
  expires = 0;
  list: DeadlineList | undefined = undefined;
  expiredAt: number | undefined = undefined;

  constructor(
    readonly id: number,
    private readonly clock: { now: number },
    private readonly order: number[],
  ) {}

  expire(): void {
    this.expiredAt = this.clock.now;
    this.order.push(this.id);
  }
}

type Op = { op: 'add'; duration: number } | { op: 'remove'; pick: number } | { op: 'tick'; ms: number };

const ops = fc.array(
  fc.oneof(
    { arbitrary: fc.record({ op: fc.constant('add' as const), duration: fc.constantFrom(10, 25, 40) }), weight: 4 },
    { arbitrary: fc.record({ op: fc.constant('remove' as const), pick: fc.nat() }), weight: 3 },
    { arbitrary: fc.record({ op: fc.constant('tick' as const), ms: fc.integer({ min: 0, max: 30 }) }), weight: 2 },
  ),
  { maxLength: 300 },
);

describe('call deadline lists', () => {
  it('expire exactly the deadlines that are due and not removed, each once, at their time, oldest first', () => {
    fc.assert(
      fc.property(ops, (steps: Op[]) => {
        const clock = FakeTimers.install({ toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'clearImmediate', 'performance'] });
        try {
          const order: number[] = [];
          const pending: Node[] = [];
          const model: { node: Node; due: number; duration: number; removed: boolean }[] = [];
          let id = 0;
          for (const step of steps) {
            if (step.op === 'add') {
              const node = new Node(id++, clock, order);
              addDeadline(node, step.duration);
              pending.push(node);
              model.push({ node, due: clock.now + step.duration, duration: step.duration, removed: false });
            } else if (step.op === 'remove') {
              const live = pending.filter((n) => n.list !== undefined);
              if (live.length === 0) continue;
              const node = live[step.pick % live.length];
              removeDeadline(node);
              model.find((m) => m.node === node)!.removed = true;
            } else {
              clock.tick(step.ms);
            }
            for (const m of model) {
              const due = !m.removed && m.due <= clock.now;
              // Due ones have expired, none early and none twice; removed or not-yet-due ones never did.
              if (due) expect(m.node.expiredAt, `node ${m.node.id} due at ${m.due}, now ${clock.now}`).to.not.equal(undefined);
              else expect(m.node.expiredAt, `node ${m.node.id}`).to.equal(undefined);
              if (m.node.expiredAt !== undefined) expect(m.node.expiredAt).to.be.at.least(m.due);
            }
          }
          expect(new Set(order).size).to.equal(order.length);
          // One duration expires in the order its deadlines were set.
          for (const duration of [10, 25, 40]) {
            const ids = order.filter((i) => model[i].duration === duration);
            expect(ids).to.deep.equal([...ids].sort((a, b) => a - b));
          }
          clock.runAll();
          for (const node of pending) if (node.list !== undefined) removeDeadline(node);
        } finally {
          clock.uninstall();
        }
      }),
      { numRuns: 200 },
    );
  });

  it('hold no memory for answered calls while one older call with the same timeout stays pending', async function () {
    this.timeout(30000);
    class Desk extends GenServer<number> {
      @handleCall('hold')
      hold(_: unknown, n: number, _from: From) {
        return noreply(n);
      }

      @handleCall('echo')
      echo(x: unknown, n: number) {
        return reply(x, n);
      }
    }
    const ref = await Desk.start(0);
    // The first call is never answered; its deadline sits at the front of the 60 s list throughout.
    const stuck = GenServer.call(ref, 'hold', undefined, 60_000).catch(() => undefined);
    const batch = async (): Promise<void> => {
      for (let round = 0; round < 50; round++) {
        const calls: Promise<unknown>[] = [];
        for (let i = 0; i < 2000; i++) calls.push(GenServer.call(ref, 'echo', { i }, 60_000));
        await Promise.all(calls);
      }
    };
    await batch();
    const before = await heapAfterGc();
    await batch();
    const grown = (await heapAfterGc()) - before;
    // 100k answered calls kept behind the pending one would be ~10 MB.
    expect(grown, `heap grew ${(grown / 1e6).toFixed(1)} MB`).to.be.below(2e6);
    await GenServer.stop(ref);
    await stuck;
  });
});
