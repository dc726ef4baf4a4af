import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { expect } from 'chai';

// The kit in real runners, each in a process of its own (one with a failing test in it, on purpose):
// its cleanup must run after every test by itself under mocha, and with the one documented line
// (`afterEach(cleanup)`) under node:test.

const root = join(__dirname, '..');
const fixture = (name: string): string => join('spec', 'fixtures', 'testing', name);

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      args,
      { cwd: root, env: { ...process.env, TS_NODE_TRANSPILE_ONLY: '1' }, timeout: 120_000 },
      (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stdout, stderr }),
    );
  });
}

describe('genserver-ts/testing in the runners', function () {
  // Each child process spends seconds starting ts-node on a busy machine.
  this.timeout(120_000);
  let mocha: Promise<Run>;
  let nodeTest: Promise<Run>;

  before(() => {
    mocha = run([
      require.resolve('mocha/bin/mocha.js'),
      '--no-config',
      '-r',
      'ts-node/register',
      '--extension',
      'ts',
      '--reporter',
      'json',
      fixture('mocha.fixture.ts'),
    ]);
    nodeTest = run(['--test', '--test-reporter=tap', '-r', 'ts-node/register', fixture('node_test.fixture.ts')]);
  });

  it('mocha: cleanup runs after each test by itself, so a failed test leaves its named server to no one', async () => {
    const { code, stdout, stderr } = await mocha;
    let report: { stats: { passes: number; failures: number }; failures: { title: string }[] };
    try {
      report = JSON.parse(stdout) as typeof report;
    } catch {
      throw new Error(`mocha printed no JSON report:\n${stdout}\n${stderr}`);
    }
    expect(report.stats).to.include({ passes: 1, failures: 1 });
    expect(report.failures.map((f) => f.title)).to.deep.equal(['fails on purpose while holding a named server']);
    expect(code).to.equal(1); // one failure, and mocha exited by itself: nothing was left running
  });

  it('node:test: with afterEach(cleanup), the next test gets the name; logs, probes and fake timers work', async () => {
    const { stdout, stderr } = await nodeTest;
    const results = stdout
      .split('\n')
      .filter((line) => /^\s+(not )?ok \d+ - /.test(line))
      .map((line) => line.trim());
    expect(results, `${stdout}\n${stderr}`).to.deep.equal([
      'not ok 1 - fails on purpose while holding a named server',
      'ok 2 - starts the same name again in the next test',
      'ok 3 - captures crash reports and receives on a probe',
      'ok 4 - follows fake timers',
    ]);
  });
});
