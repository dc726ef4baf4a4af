import type { Workload } from '../workload';
import { asyncCalls } from './async_calls';
import { busyLoop } from './busy_loop';
import { casts } from './casts';
import { cluster } from './cluster';
import { codec } from './codec';
import { calls64, calls8 } from './concurrent_calls';
import { eventLoopCheap, eventLoopSlow } from './event_loop';
import { idleHeap } from './idle_heap';
import { observerOpen } from './observer_open';
import { queuedCasts } from './queued_casts';
import { registryExits } from './registry_exits';
import { sequentialCalls } from './sequential_calls';
import { startStop } from './start_stop';
import { threadCalls, threadCalls64, threadCasts, threadScaling } from './threads';

/** Every workload, in the order `npm run bench` runs and prints them. */
export const workloads: readonly Workload[] = [
  sequentialCalls,
  asyncCalls,
  calls8,
  calls64,
  casts,
  startStop,
  busyLoop,
  queuedCasts,
  idleHeap,
  eventLoopCheap,
  eventLoopSlow,
  threadCalls,
  threadCalls64,
  threadCasts,
  threadScaling,
  registryExits,
  codec,
  cluster,
  observerOpen,
];
