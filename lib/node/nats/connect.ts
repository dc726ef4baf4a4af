import { GenServerError } from '../../errors';
import { self, setSelfName } from '../node';
import { addTransport } from '../serve';
import { NatsTransport, type NatsTransportOptions } from './transport';

// `Node.connect` and `Node.disconnect`: this process as a node of a cluster over NATS. Loaded only
// when a program calls them, so programs that never do need no NATS client installed.

/** Options of `Node.connect`: this node's name, the cluster knobs, and every NATS connection option. */
export type ConnectOptions = NatsTransportOptions;

let current: NatsTransport | undefined;
let connecting: Promise<void> | undefined;

/**
 * Joins the cluster: names this node `options.name`, connects to NATS, and makes every node of
 * the cluster reachable (`Node.list()`). Resolves once the nodes already there are known.
 *
 * ```ts
 * await Node.connect({ name: 'api-1', servers: 'nats://127.0.0.1:4222' });
 * ```
 *
 * Defaults: cluster `'genserver'`, heartbeatMs 1000, downAfterMs 4000, codec wireCodec, reconnect
 * forever (`maxReconnectAttempts: -1`, every 250 ms). Rejects with `ArgumentError` for a bad
 * option (before any connection exists), with the NATS client's error when NATS refuses it (no
 * server, bad credentials), and with `GenServerError` when this node is connected already.
 */
export function connect(options: ConnectOptions): Promise<void> {
  if (current !== undefined || connecting !== undefined) {
    return Promise.reject(new GenServerError(`Node ${self.name} is connected to a cluster already: call Node.disconnect() first.`));
  }
  connecting = (async () => {
    const previous = self.name;
    const name = (options as { name?: unknown } | undefined)?.name;
    // Named first, so nothing goes out under the old name; a bad name is the transport's ArgumentError.
    if (typeof name === 'string' && name !== previous) setSelfName(name);
    let transport: NatsTransport;
    try {
      transport = await NatsTransport.connect(options);
    } catch (error) {
      if (self.name !== previous) setSelfName(previous);
      throw error;
    }
    current = transport;
    addTransport(transport);
  })().finally(() => {
    connecting = undefined;
  });
  return connecting;
}

/**
 * Leaves the cluster: says goodbye (the other nodes see this one down at once), reports every
 * node of the cluster down here ('noconnection' for links and monitors, NodeDownError for pending
 * calls), and closes the NATS connection. Resolves at once when not connected.
 */
export async function disconnect(): Promise<void> {
  const transport = current;
  current = undefined;
  if (transport !== undefined) await transport.close();
}

/** The transport of `Node.connect`, for global names and specs. */
export function natsTransport(): NatsTransport | undefined {
  return current;
}
