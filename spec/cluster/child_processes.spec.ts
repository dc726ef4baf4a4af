import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { natsServerInstalled, processAlive } from '../support/nats_server';
import { NodeProcess } from '../support/node_process';

// The spec support never leaves a process behind: whatever way the process that started a
// nats-server and a node program ends, both end with it. Each case runs a program (or a mocha run)
// of its own that holds children (programs/hold_children.ts), ends it, and looks for the pids.

const ROOT = join(__dirname, '..', '..');
const HOLDER = join(__dirname, 'programs', 'hold_children.ts');
const FIXTURE = join(__dirname, 'fixtures', 'hold_children.fixture.ts');

function run(args: string[], env: Record<string, string> = {}): NodeProcess {
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, ...env, TS_NODE_TRANSPILE_ONLY: 'true' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new NodeProcess(child);
}

/** Starts a holder and resolves to it and the pids it printed: [nats-server, node, reaper]. */
async function holder(args: string[], env: Record<string, string> = {}): Promise<{ holder: NodeProcess; pids: number[] }> {
  const proc = run(args, env);
  await proc.waitFor('pids ', 120_000);
  await until('the pids line', () => /pids \d+ \d+ \d+\n/.test(proc.output));
  const pids = /pids (\d+) (\d+) (\d+)\n/.exec(proc.output)!.slice(1).map(Number);
  for (const pid of pids) expect(processAlive(pid), `pid ${pid} running`).to.equal(true);
  return { holder: proc, pids };
}

async function until(what: string, test: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const allGone = (pids: number[]) => () => pids.every((pid) => !processAlive(pid));

describe('spec support: child processes', function () {
  this.timeout(180_000);
  before(function () {
    if (!natsServerInstalled()) this.skip();
  });

  it('kills the nats-server and node programs of a mocha run that gets SIGINT (Ctrl-C), and the run ends by SIGINT', async () => {
    const { holder: mocha, pids } = await holder([
      join(ROOT, 'node_modules', 'mocha', 'bin', 'mocha.js'),
      '--no-config',
      '--require',
      'ts-node/register/transpile-only',
      '--extension',
      'ts',
      '--timeout',
      '0',
      FIXTURE,
    ]);
    process.kill(mocha.pid, 'SIGINT');
    expect(await mocha.exited).to.equal('SIGINT');
    await until('nats-server, node program and reaper gone', allGone(pids));
  });

  it('kills them when the process that started them gets SIGTERM', async () => {
    const { holder: proc, pids } = await holder(['-r', 'ts-node/register/transpile-only', HOLDER]);
    process.kill(proc.pid, 'SIGTERM');
    expect(await proc.exited).to.equal('SIGTERM');
    await until('nats-server, node program and reaper gone', allGone(pids));
  });

  it('kills them when the process that started them dies of an uncaught exception', async () => {
    const { holder: proc, pids } = await holder(['-r', 'ts-node/register/transpile-only', HOLDER], { MODE: 'throw' });
    expect(await proc.exited).to.equal(1);
    await until('nats-server, node program and reaper gone', allGone(pids));
  });

  it('kills them even when the process that started them is killed with kill -9 (its reaper does)', async () => {
    const { holder: proc, pids } = await holder(['-r', 'ts-node/register/transpile-only', HOLDER]);
    await proc.kill('SIGKILL');
    await until('nats-server, node program and reaper gone', allGone(pids));
  });
});
