// The Observer's public face. Loading it costs nothing: node:http, the sampler and the page's assets
// are required only when `Observer.start` runs, so in-process users who never start one pay no
// import time and no memory for it (which is why it can be exported from the main entry).

/** Options of `Observer.start`. */
export interface ObserverOptions {
  /** Default 0: a free port. */
  port?: number;
  /** Default '127.0.0.1' (loopback only). Anything else exposes every server's state and the kill button: see the README. */
  host?: string;
  /** The secret actions (and, unless `readOnly`, every view) need. Default: 48 random hex characters. At least 16 characters. */
  token?: string;
  /** Default false. True: anyone who reaches the port may look (without state contents); actions still need the token. */
  readOnly?: boolean;
  /** Sampling period in ms. Default 1000. */
  interval?: number;
  /** Chart points kept (one per interval). Default 300 (5 minutes at 1 s). */
  history?: number;
}

/** A running observer. */
export interface RunningObserver {
  /** The page's address with its token, as Jupyter prints it: `http://127.0.0.1:PORT/?token=…`. */
  readonly url: string;
  /** The address without the token (read-only views, when `readOnly` allows them). */
  readonly baseUrl: string;
  readonly token: string;
  readonly port: number;
  /** Closes the page's connections and the port, and stops sampling. Idempotent. */
  stop(): Promise<void>;
}

/**
 * A live web page of the running system, like Erlang's `:observer`: the supervision tree, every
 * server in a sortable, filterable table, charts of message rate, mailboxes, event-loop delay and
 * heap, the crash log, and a detail pane per server with trace, stop, kill and restart buttons.
 *
 * ```ts
 * const observer = await Observer.start();          // port: a free one; host: '127.0.0.1'
 * console.log(`observer at ${observer.url}`);       // http://127.0.0.1:PORT/?token=…
 * // …
 * await observer.stop();
 * ```
 * Defaults: port 0 (free), host '127.0.0.1', a random token, readOnly false, interval 1000 ms,
 * history 300 points. Rejects with `ArgumentError` for a bad option and with the listen error
 * (EADDRINUSE…) if the port cannot be had.
 */
export const Observer = {
  start(options?: ObserverOptions): Promise<RunningObserver> {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { startObserver } = require('./server') as typeof import('./server');
      return startObserver(options);
    } catch (error) {
      return Promise.reject(error);
    }
  },
};
