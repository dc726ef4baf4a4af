// genserver-ts/testing: the test kit. Re-exports only.
export { cleanup, onExit, mochaHooks } from './cleanup';
export { startSupervised, stopSupervised, type SupervisedOptions } from './supervised';
export { captureLogs, startLogCapture, type LogEntry, type LogCapture } from './logs';
export { startProbe, Probe, type ProbeOptions, type Received, type ReceiveOptions } from './probe';
export { rejectionOf } from './promises';
