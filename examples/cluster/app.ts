// The chat across three processes: three chat nodes (node.ts, OS processes of their own) join one
// cluster over NATS, and this program joins it as a fourth node, 'driver', that plays the users:
// it asks each node's ChatFront to join rooms and post, reads the rooms from another node, then
// kills the node that runs the RoomDirectory singleton with kill -9 and watches it come back on a
// survivor. Run: npx ts-node examples/cluster/app.ts (starts its own nats-server, from Debian's
// package, unless NATS_URL names one).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { GenServer, Node } from '../../lib';
import { DIRECTORY, type Message } from './chat';
import { CLUSTER_KNOBS } from './knobs';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `test` holds, checking every 25 ms; throws after `timeoutMs`. */
async function until(what: string, test: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await test())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

const accepts = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = tcpConnect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

/** A nats-server with JetStream on a free loopback port and a temporary store; `stop` removes both. */
async function startNats(): Promise<{ url: string; stop(): Promise<void> }> {
  const port = await freePort();
  const store = mkdtempSync(join(tmpdir(), 'chat-nats-'));
  const child = spawn('nats-server', ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', store], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('error', () => undefined);
  await until('nats-server', () => accepts(port), 20_000);
  return {
    url: `nats://127.0.0.1:${port}`,
    async stop() {
      child.kill('SIGTERM');
      await exited;
      rmSync(store, { recursive: true, force: true });
    },
  };
}

/** A chat node in a process of its own; resolves once it has joined. */
async function startChatProcess(name: string, url: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', join(__dirname, 'node.ts')], {
    env: { ...process.env, NODE_NAME: name, NATS_URL: url, TS_NODE_TRANSPILE_ONLY: 'true' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) {
        if (line === 'ready') resolve();
        else if (line.trim() !== '') console.log(line);
      }
    });
    child.once('exit', (code) => reject(new Error(`chat node ${name} exited (${code}) before it was ready`)));
  });
  return child;
}

const front = (node: string) => ({ name: 'chat', node });

export async function main(): Promise<void> {
  const nats = process.env.NATS_URL === undefined ? await startNats() : undefined;
  const url = process.env.NATS_URL ?? nats!.url;
  console.log(nats === undefined ? `NATS at ${url}` : 'started a nats-server on a free loopback port');
  const nodes = new Map<string, ChildProcess>();
  try {
    await Node.connect({ name: 'driver', servers: url.split(','), ...CLUSTER_KNOBS });
    const started = await Promise.all(['chat-1', 'chat-2', 'chat-3'].map((n) => startChatProcess(n, url)));
    for (const [i, child] of started.entries()) nodes.set(`chat-${i + 1}`, child);
    await until('three chat nodes', () => ['chat-1', 'chat-2', 'chat-3'].every((n) => Node.list().includes(n)));
    console.log(`nodes: ${Node.list().sort().join(', ')}`);
    const home = (await GenServer.call(DIRECTORY, 'node')) as string;
    console.log(`the RoomDirectory singleton runs on ${home}`);

    const join = async (user: string, node: string, room: string) =>
      console.log(`${user}@${node} joins ${room} → ${inspect(await GenServer.call(front(node), 'join', { room, user }))}`);
    await join('ann', 'chat-1', 'lobby');
    await join('bob', 'chat-2', 'lobby');
    await join('cy', 'chat-3', 'elixir');
    await join('dee', 'chat-2', 'typescript');
    await GenServer.call(front('chat-1'), 'post', { room: 'lobby', user: 'ann', text: 'hello from chat-1' });
    await GenServer.call(front('chat-2'), 'post', { room: 'lobby', user: 'bob', text: 'hi ann, this is chat-2' });
    const history = (await GenServer.call(front('chat-3'), 'history', 'lobby')) as Message[];
    console.log(`lobby as chat-3 reads it: ${history.map((m) => `${m.user}: ${m.text}`).join(' | ')}`);
    await until('three rooms listed', async () => ((await GenServer.call(DIRECTORY, 'rooms')) as string[]).length === 3, 10_000);
    console.log(`directory: ${((await GenServer.call(DIRECTORY, 'rooms')) as string[]).join(', ')}`);

    // kill -9 the node of the directory: no goodbye; the others see it down within downAfterMs.
    const killed = Date.now();
    nodes.get(home)!.kill('SIGKILL');
    nodes.delete(home);
    console.log(`kill -9 ${home}`);
    let now: string | undefined;
    await until('the directory elsewhere', async () => {
      now = (await GenServer.call(DIRECTORY, 'node', undefined, 1000).catch(() => undefined)) as string | undefined;
      return now !== undefined && now !== home;
    });
    console.log(`the RoomDirectory singleton runs on ${now} now, ${Date.now() - killed} ms after the kill`);
    const left = (await GenServer.call(DIRECTORY, 'rooms')) as string[];
    console.log(`directory after the failover: ${left.join(', ')} (the rooms of ${home} went down with it)`);
    const survivor = [...nodes.keys()].sort()[0];
    await join('ann', survivor, 'lobby');
    console.log(`directory: ${((await GenServer.call(DIRECTORY, 'rooms')) as string[]).join(', ')}`);
  } finally {
    for (const child of nodes.values()) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    await Node.disconnect();
    await nats?.stop();
    console.log('chat nodes stopped, cluster left');
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
