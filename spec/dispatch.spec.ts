import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { GenServer, handleCall, handleCast, handleInfo, noreply, reply } from '../lib';

// The dispatcher calls each handler through a small function written for its method (metadata.ts,
// `invoker`), so the call can be inlined. These specs pin down that it behaves as calling the
// class's method with `Function.prototype.call` did.

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
    const root = join(__dirname, '..');
    const out = await new Promise<string>((resolve, reject) => {
      execFile(
        process.execPath,
        [
          '--disallow-code-generation-from-strings',
          '-r',
          'ts-node/register/transpile-only',
          join('spec', 'fixtures', 'dispatch', 'no_codegen.ts'),
        ],
        { cwd: root, timeout: 20000 },
        (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout)),
      );
    });
    expect(JSON.parse(out)).to.deep.equal({ generated: false, value: 6 });
  });
});
