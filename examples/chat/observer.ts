// The chat app under load with the Observer open: `npm run example:observer`, then open the URL it
// prints. Rooms get a steady stream of posts, bursts of casts make mailboxes grow and drain, and
// every few seconds a bad post crashes a room, which its DynamicSupervisor restarts (watch the crash
// log and the restart counts). Ctrl-C stops it. PORT=4000 picks the port (default: a free one).
import { GenServer, Observer, type RunningObserver } from '../../lib';
import { CHAT, startChat } from './app';
import { Room } from './room';

const USERS = ['ann', 'bob', 'cy', 'dee', 'eve', 'fay'];

export interface Demo {
  observer: RunningObserver;
  stop(): Promise<void>;
}

/** Starts the chat with `rooms` rooms, a load generator and an observer. */
export async function startDemo(options: { rooms?: number; port?: number; crashEveryMs?: number } = {}): Promise<Demo> {
  const { rooms = 200, port = 0, crashEveryMs = 5000 } = options;
  await startChat();
  const names = Array.from({ length: rooms }, (_, i) => (i === 0 ? 'lobby' : `room-${i}`));
  for (const name of names) {
    await Room.open(name);
    for (const user of USERS.slice(0, 1 + (name.length % USERS.length))) await Room.join(name, user);
  }
  let running = true;
  // Eight clients, each awaiting its call: steady traffic spread over the rooms, mostly reads, with
  // a post now and then (a room keeps its messages, so posting flat out would only grow the heap).
  const clients = Array.from({ length: 8 }, async (_, w) => {
    for (let n = 0; running; n++) {
      const room = names[(n * 7 + w * 13) % names.length];
      const done = n % 50 === 0 ? Room.post(room, USERS[n % USERS.length], `message ${n}`) : Room.members(room);
      await done.catch(() => undefined);
      if (n % 100 === 0) await new Promise((resolve) => setTimeout(resolve, 2));
    }
  });
  // Now and then a room closes (normal exit: a transient child stays down) and opens again, fresh.
  const reopen = setInterval(() => {
    const room = names[Math.floor(Math.random() * names.length)];
    const ref = GenServer.whereis(Room.via(room));
    if (ref !== undefined) {
      GenServer.stop(ref)
        .then(() => Room.open(room))
        .catch(() => undefined);
    }
  }, 4000);
  // Bursts: thousands of casts to one room at once, so a mailbox grows and drains on the charts.
  const burst = setInterval(() => {
    const room = names[Math.floor(Math.random() * Math.min(names.length, 12))];
    for (let i = 0; i < 3000; i++) GenServer.cast(Room.via(room), 'announce');
  }, 1500);
  // A post whose text is no string crashes its room: a crash report and a restart.
  const crash = setInterval(() => {
    const room = names[1 + Math.floor(Math.random() * Math.min(names.length - 1, 5))] ?? 'lobby';
    GenServer.call(Room.via(room), 'post', { user: 'mallory', text: 42 }).catch(() => undefined);
  }, crashEveryMs);
  const observer = await Observer.start({ port });
  return {
    observer,
    async stop() {
      running = false;
      clearInterval(burst);
      clearInterval(crash);
      clearInterval(reopen);
      await Promise.all(clients);
      await observer.stop();
      await GenServer.stop(CHAT);
    },
  };
}

export async function main(): Promise<void> {
  const demo = await startDemo({ port: Number(process.env.PORT ?? 0) });
  console.log(`chat running with ${200} rooms under load; observer at ${demo.observer.url}`);
  console.log('Ctrl-C to stop.');
  process.once('SIGINT', () => {
    demo.stop().then(
      () => console.log('stopped'),
      (error: unknown) => console.error(error),
    );
  });
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
