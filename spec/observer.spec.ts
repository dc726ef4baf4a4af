import { expect } from 'chai';
import { request } from 'node:http';
import { Script } from 'node:vm';
import {
  ArgumentError,
  DynamicSupervisor,
  GenServer,
  Observer,
  Supervisor,
  handleCall,
  handleCast,
  reply,
  noreply,
  type RunningObserver,
  type ServerRef,
} from '../lib';
import { APP_JS } from '../lib/observer/assets/app_js';
import { liveCount } from '../lib/process/table';
import { captureLogs, rejectionOf, sleep, trackServers } from './support/helpers';

class Worker extends GenServer<{ n: number; secret: string }> {
  @handleCall('get')
  get(_: void, s: { n: number; secret: string }) {
    return reply(s.n, s);
  }

  @handleCast('inc')
  inc(_: void, s: { n: number; secret: string }) {
    return noreply({ ...s, n: s.n + 1 });
  }

  @handleCast('crash')
  crash(): never {
    throw new Error('crashed on purpose');
  }
}

const worker = (id: string, name?: string) => ({
  id,
  start: () => Worker.startLink({ n: 0, secret: 'hunter2' }, name ? { name } : undefined),
});

interface Got {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: JSON bodies of many shapes, read field by field in the specs
  body: any;
  headers: Headers;
}

async function get(
  obs: RunningObserver,
  path: string,
  init: { token?: string | false; headers?: Record<string, string> } = {},
): Promise<Got> {
  const token = init.token === undefined ? obs.token : init.token;
  const url = new URL(path, obs.baseUrl);
  if (token !== false) url.searchParams.set('token', token);
  const res = await fetch(url, { headers: init.headers });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // html or js
  }
  return { status: res.status, body, headers: res.headers };
}

async function post(obs: RunningObserver, path: string, body: unknown = {}, token: string | false = obs.token): Promise<Got> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token !== false) headers['x-observer-token'] = token;
  const res = await fetch(new URL(path, obs.baseUrl), { method: 'POST', headers, body: JSON.stringify(body) });
  return { status: res.status, body: await res.json(), headers: res.headers };
}

/** Polls `fn` until it returns a truthy value (generous bound: the specs do not race the clock). */
async function eventually<T>(fn: () => Promise<T | undefined | false> | T | undefined | false, ms = 5000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > until) throw new Error('condition not met in time');
    await sleep(20);
  }
}

describe('Observer', () => {
  const track = trackServers();
  const logs = captureLogs();
  let obs: RunningObserver | undefined;
  const start = async (options?: Parameters<typeof Observer.start>[0]) => (obs = await Observer.start({ interval: 50, ...options }));
  afterEach(async () => {
    await obs?.stop();
    obs = undefined;
  });

  describe('Observer.start()', () => {
    it('resolves to a loopback URL on a free port that carries a generated token', async () => {
      const o = await start();
      expect(o.url).to.match(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{48}$/);
      expect(o.port).to.be.greaterThan(0);
      expect(o.url).to.equal(`${o.baseUrl}?token=${o.token}`);
      expect((await get(o, '/')).status).to.equal(200);
    });

    it('uses the token the user passes', async () => {
      const o = await start({ token: 'a-token-of-my-own-choosing' });
      expect(o.token).to.equal('a-token-of-my-own-choosing');
      expect((await get(o, '/api/hello')).body.canAct).to.equal(true);
    });

    it('rejects with ArgumentError for a bad option, naming it', async () => {
      for (const [options, argument] of [
        [{ port: -1 }, 'options.port'],
        [{ port: 1.5 }, 'options.port'],
        [{ host: '' }, 'options.host'],
        [{ token: 'short' }, 'options.token'],
        [{ readOnly: 'yes' }, 'options.readOnly'],
        [{ interval: 0 }, 'options.interval'],
      ] as const) {
        const error = await rejectionOf(Observer.start(options as never));
        expect(error).to.be.instanceOf(ArgumentError);
        expect((error as ArgumentError).argument).to.equal(argument);
      }
    });

    it('rejects with the listen error when the port is taken', async () => {
      const o = await start();
      const error = await rejectionOf(Observer.start({ port: o.port }));
      expect((error as NodeJS.ErrnoException).code).to.equal('EADDRINUSE');
    });

    it('stop() closes the port and is idempotent', async () => {
      const o = await start();
      await Promise.all([o.stop(), o.stop()]);
      const error = await rejectionOf(fetch(o.url));
      expect(error).to.be.instanceOf(TypeError);
    });
  });

  describe('the token', () => {
    it('refuses the page, the feed and the data without it (403)', async () => {
      const o = await start();
      for (const path of ['/', '/api/hello', '/api/servers', '/api/tree', '/api/log', '/api/events', '/api/history']) {
        expect((await get(o, path, { token: false })).status, path).to.equal(403);
        expect((await get(o, path, { token: 'x'.repeat(48) })).status, path).to.equal(403);
      }
      expect((await get(o, '/app.js', { token: false })).status).to.equal(200);
    });

    it('refuses every action without it (403) and the server keeps running', async () => {
      const ref = track(await Worker.start({ n: 0, secret: '' }));
      const o = await start();
      for (const action of ['kill', 'stop', 'trace']) {
        expect((await post(o, `/api/servers/${ref.id}/${action}`, { on: true }, false)).status, action).to.equal(403);
        expect((await post(o, `/api/servers/${ref.id}/${action}`, { on: true }, 'wrong-token-wrong-token')).status, action).to.equal(403);
      }
      expect(GenServer.isAlive(ref)).to.equal(true);
      expect(GenServer.info(ref).tracing).to.equal(false);
    });

    it('with readOnly, shows the page without it but hides state and still refuses actions', async () => {
      const ref = track(await Worker.start({ n: 0, secret: 'hunter2' }));
      const o = await start({ readOnly: true });
      expect((await get(o, '/', { token: false })).status).to.equal(200);
      const hello = await get(o, '/api/hello', { token: false });
      expect(hello.body).to.include({ readOnly: true, canAct: false });
      const detail = await get(o, `/api/servers/${ref.id}`, { token: false });
      expect(detail.status).to.equal(200);
      expect(detail.body.state).to.equal(undefined);
      expect(JSON.stringify(detail.body)).not.to.include('hunter2');
      expect((await get(o, `/api/servers/${ref.id}`)).body.state).to.include('hunter2');
      expect((await post(o, `/api/servers/${ref.id}/kill`, {}, false)).status).to.equal(403);
      expect(GenServer.isAlive(ref)).to.equal(true);
    });

    it('answers only to a loopback Host header while bound to loopback (DNS rebinding)', async () => {
      const o = await start();
      // fetch does not let a caller set Host: node:http does, as a rebinding page's browser would send it.
      const status = (host: string) =>
        new Promise<number>((resolve, reject) => {
          const req = request({ host: '127.0.0.1', port: o.port, path: `/api/hello?token=${o.token}`, headers: { host } }, (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          });
          req.on('error', reject);
          req.end();
        });
      expect(await status('evil.example')).to.equal(403);
      expect(await status(`evil.example:${o.port}`)).to.equal(403);
      expect(await status(`localhost:${o.port}`)).to.equal(200);
      expect(await status(`127.0.0.1:${o.port}`)).to.equal(200);
    });

    it('keeps the token out of Referer headers and the page off other sites', async () => {
      const o = await start();
      const page = await get(o, '/');
      expect(page.headers.get('referrer-policy')).to.equal('no-referrer');
      expect(page.headers.get('content-security-policy')).to.include("frame-ancestors 'none'");
    });
  });

  describe('the feed', () => {
    it('lists every live server with its class, name, status and counters, tagged with its node', async () => {
      const a = track(await Worker.start({ n: 0, secret: '' }, { name: 'feed_a' }));
      for (let i = 0; i < 5; i++) GenServer.cast(a, 'inc');
      await GenServer.call(a, 'get');
      const o = await start();
      const page = await eventually(async () => {
        const p = (await get(o, '/api/servers?filter=feed_a')).body;
        return p.rows.length === 1 && p.rows[0].handled === 6 && p;
      });
      expect(page.rows[0]).to.include({
        id: a.id,
        node: 'main',
        className: 'Worker',
        name: 'feed_a',
        status: 'running',
        mailbox: 0,
        dropped: 0,
      });
    });

    it('filters, sorts and pages on the server', async () => {
      const refs: ServerRef[] = [];
      for (let i = 0; i < 30; i++)
        refs.push(track(await Worker.start({ n: 0, secret: '' }, { name: `pager_${String(i).padStart(2, '0')}` })));
      const o = await start();
      const page = await eventually(async () => {
        const p = (await get(o, '/api/servers?filter=pager_&sort=name&desc=1&offset=5&limit=10')).body;
        return p.matched === 30 && p;
      });
      expect(page.rows.map((r: { name: string }) => r.name)).to.deep.equal(
        Array.from({ length: 10 }, (_, i) => `pager_${String(24 - i).padStart(2, '0')}`),
      );
      expect(page.total).to.be.at.least(30);
    });

    it('shows messages handled per second', async () => {
      const ref = track(await Worker.start({ n: 0, secret: '' }, { name: 'busy_one' }));
      const o = await start({ interval: 100 });
      let stop = false;
      const load = (async () => {
        while (!stop) {
          for (let i = 0; i < 50; i++) GenServer.cast(ref, 'inc');
          await GenServer.call(ref, 'get');
          await sleep(1);
        }
      })();
      try {
        await eventually(async () => (await get(o, '/api/servers?filter=busy_one')).body.rows[0]?.rate > 0);
      } finally {
        stop = true;
        await load;
      }
    });

    it('shows the supervision tree with strategy, children and a restart count that rises after a crash', async () => {
      const sup = track(
        await Supervisor.start([worker('first'), worker('second', 'tree_second'), [DynamicSupervisor, { name: 'tree_dyn' }]], {
          strategy: 'one_for_all',
          name: 'tree_sup',
        }),
      );
      const o = await start();
      const tree = (await get(o, '/api/tree')).body.tree;
      const node = tree.find((n: { id: number }) => n.id === sup.id);
      expect(node).to.include({
        kind: 'Supervisor',
        name: 'tree_sup',
        strategy: 'one_for_all',
        restarts: 0,
        maxRestarts: 3,
        maxSeconds: 5,
        childCount: 3,
      });
      expect(node.children.map((c: { childId: string }) => c.childId)).to.deep.equal(['first', 'second', 'tree_dyn']);
      expect(node.children[2].supervisor).to.include({ kind: 'DynamicSupervisor', name: 'tree_dyn' });
      const first = Supervisor.whichChildren(sup)[0].ref as ServerRef;
      GenServer.cast(first, 'crash');
      const after = await eventually(async () => {
        const n = (await get(o, '/api/tree')).body.tree.find((x: { id: number }) => x.id === sup.id);
        return n?.restarts === 1 && n.children[0].status === 'running' && n;
      });
      expect(after.children[0].restarts).to.equal(1);
      expect(after.children[0].id).not.to.equal(first.id);
    });

    it('puts OTP-style crash reports in the crash log, whatever logger the user set', async () => {
      const ref = track(await Worker.start({ n: 0, secret: '' }));
      const o = await start();
      GenServer.cast(ref, 'crash');
      await GenServer.awaitExit(ref);
      const entries = await eventually(async () => {
        const e = (await get(o, '/api/log')).body.entries.filter((x: { serverId: number }) => x.serverId === ref.id);
        return e.length > 0 && e;
      });
      expect(entries[0]).to.include({ level: 'error', kind: 'crash', className: 'Worker', node: 'main' });
      expect(entries[0].message).to.include('terminating').and.include("last message: cast 'crash'").and.include('crashed on purpose');
      expect(logs.some((l) => l.message.includes('crashed on purpose'))).to.equal(true);
    });

    it('streams samples over Server-Sent Events, each naming its node', async () => {
      const o = await start();
      const abort = new AbortController();
      const res = await fetch(new URL(`/api/events?token=${o.token}`, o.baseUrl), { signal: abort.signal });
      expect(res.headers.get('content-type')).to.equal('text/event-stream');
      const reader = res.body!.getReader();
      let text = '';
      try {
        while ((text.match(/event: sample/g) ?? []).length < 2) text += new TextDecoder().decode((await reader.read()).value);
      } finally {
        abort.abort();
        await reader.cancel().catch(() => undefined);
      }
      const frames = text
        .split('\n\n')
        .filter((f) => f.includes('event: sample'))
        .map((f) => JSON.parse(f.slice(f.indexOf('data: ') + 6)));
      expect(frames[0]).to.include({ node: 'main' });
      expect(frames[0].point).to.have.keys('t', 'servers', 'rate', 'mailbox', 'loopMean', 'loopMax', 'heapUsed', 'heapTotal', 'top');
      expect(frames[0].tree).to.be.an('array');
    });

    it('shows a server in detail: state (depth-limited), links, monitors, timers', async () => {
      const deep = { a: { b: { c: { d: { e: { f: 'too deep' } } } } } };
      const ref = track(await Worker.start({ n: 0, secret: deep as never }));
      const o = await start();
      const d = (await get(o, `/api/servers/${ref.id}`)).body;
      expect(d).to.include({ id: ref.id, className: 'Worker', status: 'running', timers: 0, tracing: false });
      expect(d.links).to.deep.equal([]);
      expect(d.state).to.include('[Object]').and.not.include('too deep');
      expect((await get(o, '/api/servers/999999999')).status).to.equal(404);
    });
  });

  describe('actions', () => {
    it('kill kills the server', async () => {
      const ref = track(await Worker.start({ n: 0, secret: '' }));
      const o = await start();
      expect((await post(o, `/api/servers/${ref.id}/kill`)).status).to.equal(200);
      expect(await GenServer.awaitExit(ref)).to.equal('killed');
    });

    it('stop stops the server, running terminate', async () => {
      const ref = track(await Worker.start({ n: 0, secret: '' }));
      const o = await start();
      expect((await post(o, `/api/servers/${ref.id}/stop`)).body).to.deep.equal({ stopped: true });
      expect(await GenServer.awaitExit(ref)).to.equal('normal');
    });

    it('trace on records the last messages, trace off stops it', async () => {
      const ref = track(await Worker.start({ n: 0, secret: '' }));
      const o = await start();
      expect((await post(o, `/api/servers/${ref.id}/trace`, { on: true })).body).to.deep.equal({ tracing: true });
      GenServer.cast(ref, 'inc');
      await GenServer.call(ref, 'get');
      const d = (await get(o, `/api/servers/${ref.id}`)).body;
      expect(d.tracing).to.equal(true);
      expect(d.traces.join('\n')).to.include("in: cast 'inc'").and.include("in: call 'get'");
      await post(o, `/api/servers/${ref.id}/trace`, { on: false });
      expect(GenServer.info(ref).tracing).to.equal(false);
    });

    it("restarts a supervisor's child from its spec", async () => {
      const sup = track(await Supervisor.start([worker('only')]));
      const o = await start();
      const before = Supervisor.whichChildren(sup)[0].ref as ServerRef;
      const r = await post(o, `/api/supervisors/${sup.id}/restart`, { childId: 'only' });
      expect(r.status).to.equal(200);
      const after = Supervisor.whichChildren(sup)[0].ref as ServerRef;
      expect(after).not.to.equal(before);
      expect(r.body).to.deep.equal({ restarted: 'only', id: after.id });
      expect(GenServer.isAlive(before)).to.equal(false);
      expect((await post(o, `/api/supervisors/${sup.id}/restart`, { childId: 'nope' })).status).to.equal(404);
    });

    it('answers 404 for a server that is gone', async () => {
      const o = await start();
      expect((await post(o, '/api/servers/999999999/kill')).status).to.equal(404);
    });
  });

  describe('the runtime with no observer', () => {
    it('forgets servers that exit (the process table holds only live ones)', async () => {
      const before = liveCount();
      const refs = [];
      for (let i = 0; i < 20; i++) refs.push(await Worker.start({ n: 0, secret: '' }));
      expect(liveCount()).to.equal(before + 20);
      for (const ref of refs) await GenServer.stop(ref);
      expect(liveCount()).to.equal(before);
    });
  });

  describe("the page's script", () => {
    it('is valid JavaScript', () => {
      expect(() => new Script(APP_JS)).not.to.throw();
    });
  });
});
