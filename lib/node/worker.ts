import { parentPort, workerData } from 'node:worker_threads';
import { GenServer } from '../behaviours/gen_server';
import { setLogger } from '../logger';
import { registerClass } from './classes';
import { setSelfName, self } from './node';
import { addTransport } from './serve';
import { ParentTransport } from './threads';
import './api';

// The entry of a worker thread started by Node.startThreads: name the node, load the user's
// modules (registering every GenServer class they export under its name), then tell the parent.

interface Boot {
  name: string;
  parent: string;
  modules: string[];
}

async function boot(): Promise<void> {
  const data = (workerData as { genserver?: Boot } | undefined)?.genserver;
  if (parentPort === null || data === undefined)
    throw new Error('lib/node/worker is the entry of threads started by Node.startThreads(); it is not run directly.');
  setSelfName(data.name);
  const port = parentPort;
  // A thread's log lines go to the main thread's logger (tagged with the node), so one setLogger sees all.
  const forward = (level: 'error' | 'warn' | 'info') => (message: string) => port.postMessage({ log: { level, message } });
  setLogger({ error: forward('error'), warn: forward('warn'), info: forward('info') });
  const transport = new ParentTransport(data.name, parentPort);
  try {
    for (const path of data.modules) {
      let exports: Record<string, unknown>;
      try {
        exports = require(path) as Record<string, unknown>;
      } catch (error) {
        if ((error as { code?: string }).code !== 'ERR_REQUIRE_ESM') throw error;
        exports = (await import(path)) as Record<string, unknown>;
      }
      for (const value of Object.values(exports ?? {})) {
        if (typeof value === 'function' && value.prototype instanceof GenServer) registerClass(value, value.name, path, self.name);
      }
    }
  } catch (error) {
    transport.ready(error);
    return;
  }
  addTransport(transport);
  transport.ready();
}

void boot();
