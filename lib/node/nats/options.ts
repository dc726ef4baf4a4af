import type { Codec } from '../codec';

// The options of Node.connect, declared without the NATS client's types, so that programs (and
// their type checks) that never join a cluster need no NATS client installed.

/** Global names (`{ global: name }`): lease and replicas of their JetStream bucket. */
export interface GlobalOptions {
  /** How long a name outlives its node's last refresh, in ms (default 15000; at least 1000). */
  readonly leaseMs?: number;
  /** JetStream replicas of the bucket (default 1; 3 on a 3-server NATS cluster). */
  readonly replicas?: number;
}

/**
 * Options of `Node.connect`: this node's name, the cluster knobs, and every option of the NATS
 * client's `connect` (`servers`, `user`/`pass`, `token`, `authenticator`, `tls`, `maxReconnectAttempts`,
 * ...), passed through as they are.
 */
export interface ConnectOptions {
  /** This node's name: one NATS subject token (no spaces, `.`, `*` or `>`). */
  readonly name: string;
  /** NATS server URLs (default: the client's, `127.0.0.1:4222`). */
  readonly servers?: string | string[];
  /** The cluster: the subject prefix shared by its nodes (default `'genserver'`). One token. */
  readonly cluster?: string;
  /** The byte codec (default `v8Codec`); every node of a cluster must use the same one. */
  readonly codec?: Codec;
  /** How often this node says it is alive, in ms (default 1000). */
  readonly heartbeatMs?: number;
  /** A node silent this long is down, in ms (default 4000; at least 2 × heartbeatMs). */
  readonly downAfterMs?: number;
  /** How long joining waits for the other nodes to answer the hello, in ms (default 250). */
  readonly discoveryMs?: number;
  /** Global names: lease and replicas of their bucket. */
  readonly global?: GlobalOptions;
  /** Any other option of the NATS client's `connect`. */
  readonly [natsOption: string]: unknown;
}
