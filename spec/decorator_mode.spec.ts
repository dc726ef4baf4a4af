import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { REGISTER_INSTANCE } from 'ts-node';
import { GenServer, handleCall, reply } from '../lib';

// `npm test` runs every spec twice: compiled with experimentalDecorators (tsconfig.json), then with
// TC39 standard decorators (TS_NODE_PROJECT=tsconfig.tc39.json). This spec proves each run really
// compiled the specs in the mode it claims, by where the library's decorators wrote their table.

const HANDLERS_KEY = 'genserver:handlers';

/** The decorator standard ts-node compiled this file with, from the tsconfig it actually loaded. */
function configuredMode(): 'experimental' | 'tc39' {
  const service = process[REGISTER_INSTANCE];
  if (service === undefined) throw new Error('this spec expects to be compiled by ts-node (see .mocharc.json)');
  return service.config.options.experimentalDecorators ? 'experimental' : 'tc39';
}

/** The decorator standard the compiled code shows: what a decorator of our own is called with. */
let calledWith: unknown[] = [];
function probe(...args: unknown[]): void {
  calledWith = args;
}

class Probed extends GenServer<number> {
  @probe
  probed() {}

  @handleCall('ping')
  ping(_: void, state: number) {
    return reply('pong', state);
  }
}

function compiledMode(): 'experimental' | 'tc39' {
  // experimentalDecorators: (prototype, key, descriptor); TC39: (method, context).
  if (calledWith.length === 3 && calledWith[0] === Probed.prototype) return 'experimental';
  if (calledWith.length === 2 && typeof calledWith[0] === 'function') return 'tc39';
  throw new Error(`unrecognised decorator call: ${calledWith.length} arguments`);
}

const ownMetadata = (cls: Function): Record<PropertyKey, unknown> | undefined =>
  Object.hasOwn(cls, Symbol.metadata) ? (cls as unknown as Record<symbol, Record<PropertyKey, unknown>>)[Symbol.metadata] : undefined;

describe(`decorator standard of this run (TS_NODE_PROJECT=${process.env.TS_NODE_PROJECT ?? 'tsconfig.json'})`, () => {
  it('compiles the specs in the mode its tsconfig asks for', () => {
    const expected = (process.env.TS_NODE_PROJECT ?? '').endsWith('tsconfig.tc39.json') ? 'tc39' : 'experimental';
    expect(configuredMode()).to.equal(expected);
    expect(compiledMode()).to.equal(expected);
  });

  it('records handlers where that mode keeps metadata, and routes calls from them', async () => {
    const entry = { kind: 'call', tag: 'ping', method: 'ping' };
    if (compiledMode() === 'tc39') {
      expect(ownMetadata(Probed)?.[HANDLERS_KEY]).to.deep.equal([entry]);
      expect(Reflect.getOwnMetadata(HANDLERS_KEY, Probed.prototype)).to.equal(undefined);
    } else {
      expect(Reflect.getOwnMetadata(HANDLERS_KEY, Probed.prototype)).to.deep.equal([entry]);
      expect(ownMetadata(Probed)).to.equal(undefined);
    }
    const ref = await Probed.start(1);
    expect(await GenServer.call(ref, 'ping')).to.equal('pong');
    await GenServer.stop(ref);
  });
});

describe('examples/tc39_decorators.ts', () => {
  /** Runs the example in a child process compiled with the given tsconfig; resolves to its output lines. */
  function run(project: string): Promise<string[]> {
    const root = join(__dirname, '..');
    return new Promise((resolve, reject) => {
      execFile(
        process.execPath,
        ['-r', 'ts-node/register/transpile-only', join('examples', 'tc39_decorators.ts')],
        { cwd: root, env: { ...process.env, TS_NODE_PROJECT: project }, timeout: 20000 },
        (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout.trimEnd().split('\n'))),
      );
    });
  }

  const lines = (standard: string): string[] => [
    "stack = await Stack.start(['a'])",
    "GenServer.cast(stack, 'push', 'b')",
    "await GenServer.call(stack, 'pop') → 'b'",
    "await GenServer.call(stack, 'size') → 1",
    `Stack's handlers were recorded by ${standard}`,
  ];

  // Both child processes at once: each spends most of its time starting ts-node.
  let runs: Promise<[string[], string[]]>;
  before(() => {
    runs = Promise.all([run('tsconfig.tc39.json'), run('tsconfig.json')]);
    runs.catch(() => undefined); // reported by the tests below, never as an unhandled rejection
  });

  it('runs under TC39 standard decorators (tsconfig.tc39.json)', async function () {
    this.timeout(20000);
    expect((await runs)[0]).to.deep.equal(lines('TC39 standard decorators, in Stack[Symbol.metadata]'));
  });

  it('runs unchanged under experimentalDecorators (tsconfig.json)', async function () {
    this.timeout(20000);
    expect((await runs)[1]).to.deep.equal(lines('experimentalDecorators, in reflect-metadata on Stack.prototype'));
  });
});
