import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ArgumentError } from '../errors';
import { logger } from '../logger';
import { ActionError, kill, restartChild, setTrace, stopServer } from './actions';
import { APP_JS } from './assets/app_js';
import { PAGE_HTML } from './assets/page_html';
import { STYLE_CSS } from './assets/style_css';
import { Feed, SORT_KEYS, type SortKey } from './feed';
import { detailOf } from './detail';
import { LogTap } from './log_tap';
import { localNodeName } from './node_name';
import type { ObserverOptions, RunningObserver } from './index';

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);
const MAX_PAGE = 1000;
const MAX_BODY = 16 * 1024;

interface Settings {
  port: number;
  host: string;
  token: string;
  readOnly: boolean;
  interval: number;
  history: number;
}

function check(options: ObserverOptions | undefined): Settings {
  if (options !== undefined && (typeof options !== 'object' || options === null)) {
    throw new ArgumentError('options', options, "an object such as { port: 4000, host: '127.0.0.1' }");
  }
  const { port = 0, host = '127.0.0.1', token, readOnly = false, interval = 1000, history = 300 } = options ?? {};
  if (!(Number.isInteger(port) && port >= 0 && port <= 65535))
    throw new ArgumentError('options.port', port, 'a whole number from 0 (a free port) to 65535');
  if (typeof host !== 'string' || host === '') throw new ArgumentError('options.host', host, "a host name or address such as '127.0.0.1'");
  if (token !== undefined && !(typeof token === 'string' && token.length >= 16)) {
    throw new ArgumentError('options.token', token, 'a string of at least 16 characters (leave it out to get a random one)');
  }
  if (typeof readOnly !== 'boolean') throw new ArgumentError('options.readOnly', readOnly, 'a boolean');
  if (!(typeof interval === 'number' && interval >= 50 && interval <= 60_000))
    throw new ArgumentError('options.interval', interval, 'a number of ms from 50 to 60000');
  if (!(Number.isInteger(history) && history >= 2 && history <= 100_000))
    throw new ArgumentError('options.history', history, 'a whole number of points from 2 to 100000');
  return { port, host, token: token ?? randomBytes(24).toString('hex'), readOnly, interval, history };
}

function sameToken(given: string | undefined, token: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function tokenOf(req: IncomingMessage, url: URL): string | undefined {
  const header = req.headers['x-observer-token'];
  if (typeof header === 'string') return header;
  const auth = req.headers.authorization;
  if (typeof auth === 'string' && auth.startsWith('token ')) return auth.slice(6);
  return url.searchParams.get('token') ?? undefined;
}

const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  // The token travels in the page's URL: never send it to another site in a Referer.
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

function send(res: ServerResponse, status: number, body: string, type: string): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function json(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, JSON.stringify(value), 'application/json; charset=utf-8');
}

function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(new ActionError(413, 'request body too large'));
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on('end', () => {
      if (chunks.length === 0) return resolve({});
      try {
        const v: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        resolve(typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {});
      } catch {
        reject(new ActionError(400, 'request body is not JSON'));
      }
    });
    req.on('error', reject);
  });
}

/** Starts the sampler and the HTTP server; see `Observer.start` in index.ts for the documented contract. */
export async function startObserver(options?: ObserverOptions): Promise<RunningObserver> {
  const s = check(options);
  const node = localNodeName();
  const feed = new Feed(node, s.history);
  const tap = new LogTap(node, 200);
  const clients = new Set<ServerResponse>();
  let lastTree = '';
  let logSeq = 0;
  const startedAt = Date.now();

  const tick = (): void => {
    // The sampler runs on a timer: nothing it meets (a hostile state, a bug) may end the Node process.
    try {
      broadcast();
    } catch (error) {
      logger().warn(`Observer: a sample failed and was skipped: ${error instanceof Error ? error.message : String(error)}`, { error });
    }
  };
  const broadcast = (): void => {
    const point = feed.sample();
    if (clients.size === 0) return;
    const tree = JSON.stringify(feed.tree);
    const log = tap.since(logSeq);
    if (log.length > 0) logSeq = log[log.length - 1].seq;
    const event = { node, generation: feed.generation, point, tree: tree !== lastTree ? feed.tree : undefined, log };
    lastTree = tree;
    const frame = `event: sample\ndata: ${JSON.stringify(event)}\n\n`;
    for (const res of clients) {
      // A page that stopped reading (a tab in the background of a stalled machine) is dropped
      // instead of buffering frames without bound; its EventSource reconnects when it can.
      if (res.writableLength > 4 * 1024 * 1024) {
        clients.delete(res);
        res.destroy();
      } else res.write(frame);
    }
  };
  feed.sample();
  logSeq = 0;
  const timer = setInterval(tick, s.interval);

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (res.headersSent) return res.destroy();
      if (error instanceof ActionError) return json(res, error.status, { error: error.message });
      json(res, 500, { error: error instanceof Error ? error.message : String(error) });
    });
  });

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://observer');
    const path = url.pathname;
    // DNS rebinding: a page on another site may resolve its own name to 127.0.0.1; the Host header tells.
    if (LOOPBACK.has(s.host) && !LOOPBACK.has(hostOf(req.headers.host))) {
      return json(res, 403, { error: 'The observer answers only to a loopback Host header (it is bound to loopback).' });
    }
    if (path === '/app.js') return send(res, 200, APP_JS, 'text/javascript; charset=utf-8');
    if (path === '/app.css') return send(res, 200, STYLE_CSS, 'text/css; charset=utf-8');
    const authorized = sameToken(tokenOf(req, url), s.token);
    const canView = authorized || s.readOnly;
    if (req.method === 'POST') {
      if (!authorized)
        return json(res, 403, {
          error: 'Actions need the observer token: open the URL that Observer.start printed (it carries ?token=…).',
        });
      return json(res, 200, await act(path, await readBody(req)));
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return json(res, 405, { error: `${req.method} is not allowed` });
    if (!canView) {
      if (path === '/' || path === '/index.html') {
        return send(
          res,
          403,
          '<!doctype html><title>Observer</title><p>This observer needs its token: open the URL that <code>Observer.start</code> printed (it ends in <code>?token=…</code>).</p>',
          'text/html; charset=utf-8',
        );
      }
      return json(res, 403, { error: 'This observer needs its token (?token=… or the X-Observer-Token header).' });
    }
    if (path === '/' || path === '/index.html') return send(res, 200, PAGE_HTML, 'text/html; charset=utf-8');
    if (path === '/api/hello') {
      return json(res, 200, {
        node,
        nodes: [node],
        readOnly: s.readOnly,
        canAct: authorized,
        interval: s.interval,
        startedAt,
        pid: process.pid,
      });
    }
    if (path === '/api/history') return json(res, 200, { node, points: feed.history });
    if (path === '/api/tree') return json(res, 200, { node, tree: feed.tree });
    if (path === '/api/log') return json(res, 200, { node, entries: tap.since(Number(url.searchParams.get('since') ?? 0) || 0) });
    if (path === '/api/servers') return json(res, 200, feed.page(queryOf(url)));
    const detail = /^\/api\/servers\/(\d+)$/.exec(path);
    if (detail) {
      const proc = feed.process(Number(detail[1]));
      if (proc === undefined) return json(res, 404, { error: `no live server #${detail[1]}` });
      return json(res, 200, detailOf(proc, node, tap, authorized));
    }
    if (path === '/api/events') return events(req, res);
    json(res, 404, { error: `no such page: ${path}` });
  };

  const act = async (path: string, body: Record<string, unknown>): Promise<unknown> => {
    const m = /^\/api\/(servers|supervisors)\/(\d+)\/(trace|kill|stop|restart)$/.exec(path);
    if (m === null) throw new ActionError(404, `no such action: ${path}`);
    const proc = feed.process(Number(m[2]));
    if (proc === undefined || proc.isDead) throw new ActionError(404, `no live server #${m[2]}`);
    switch (m[3]) {
      case 'trace':
        return setTrace(proc, body.on === true);
      case 'kill':
        return kill(proc);
      case 'stop':
        return stopServer(proc);
      default:
        if (typeof body.childId !== 'string') throw new ActionError(400, 'restart needs { childId } in the body');
        return restartChild(proc, body.childId);
    }
  };

  const events = (req: IncomingMessage, res: ServerResponse): void => {
    res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'text/event-stream', connection: 'keep-alive' });
    // The first frame carries everything the page needs to draw at once.
    const hello = { node, generation: feed.generation, point: feed.history[feed.history.length - 1], tree: feed.tree, log: tap.since(0) };
    res.write(`retry: 1000\nevent: sample\ndata: ${JSON.stringify(hello)}\n\n`);
    clients.add(res);
    req.on('close', () => clients.delete(res));
  };

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(s.port, s.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    // No port (EADDRINUSE…): leave nothing behind, neither the sampler's timer nor the log listener.
    clearInterval(timer);
    feed.close();
    tap.close();
    throw error;
  }
  const { port } = server.address() as AddressInfo;
  const shownHost = s.host.includes(':') ? `[${s.host}]` : s.host;
  const base = `http://${shownHost}:${port}/`;
  let stopped: Promise<void> | undefined;
  return {
    url: `${base}?token=${s.token}`,
    baseUrl: base,
    token: s.token,
    port,
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        clearInterval(timer);
        feed.close();
        tap.close();
        for (const res of clients) res.end();
        clients.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return stopped;
    },
  };
}

function hostOf(header: string | undefined): string {
  if (header === undefined) return '';
  if (header.startsWith('[')) return header.slice(1, header.indexOf(']'));
  const colon = header.lastIndexOf(':');
  return colon < 0 ? header : header.slice(0, colon);
}

function queryOf(url: URL): { filter: string; sort: SortKey; desc: boolean; offset: number; limit: number } {
  const p = url.searchParams;
  const sort = p.get('sort') as SortKey | null;
  const offset = Math.max(0, Math.floor(Number(p.get('offset') ?? 0)) || 0);
  const limit = Math.min(MAX_PAGE, Math.max(1, Math.floor(Number(p.get('limit') ?? 100)) || 100));
  return {
    filter: (p.get('filter') ?? '').slice(0, 200),
    sort: sort && SORT_KEYS.includes(sort) ? sort : 'id',
    desc: p.get('desc') === '1',
    offset,
    limit,
  };
}
