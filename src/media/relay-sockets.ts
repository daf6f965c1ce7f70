/**
 * Binding the socket of a relay leg on either I/O path, from the engine's port range when
 * there is one (a port in use is given back to the pool and another one tried), and
 * connecting it to its peer. It must not know sessions, the learning rules or packets: the
 * engine decides when a leg is bound, connected and released.
 */
import { ErrorCodes, SimError, type ComponentLogger } from '../core/index.js';
import type { PortPool } from './port-pool.js';
import type { Leg } from './relay-session.js';
import type { UdpBatchIo } from './udp-batch.js';

/** Batched I/O: binds a leg's socket, from the port range when there is one. */
export function bindBatchLeg(
  io: UdpBatchIo,
  leg: Leg,
  address: string,
  pool: PortPool | undefined,
  bufferBytes: number,
): void {
  const attempts = pool === undefined ? 1 : Math.min(pool.size, 64);
  for (let attempt = 0; ; attempt++) {
    const port = pool === undefined ? 0 : pool.take();
    if (port < 0) {
      throw new SimError(ErrorCodes.MEDIA_PORTS_EXHAUSTED, 'no free port left in the relay range');
    }
    try {
      const [sock, bound] = io.bind(address, port, bufferBytes);
      leg.sock = sock;
      leg.address = address;
      leg.port = bound;
      return;
    } catch (e) {
      if (port !== 0) {
        pool?.give(port);
      }
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE' && pool !== undefined && attempt + 1 < attempts) {
        continue;
      }
      const message = e instanceof Error ? e.message : String(e);
      throw new SimError(ErrorCodes.MEDIA_BIND, `cannot bind ${address}:${port}: ${message}`, {
        cause: e,
        details: { address, port },
      });
    }
  }
}

/**
 * The dgram path: binds a leg's socket, from the port range when there is one; a port in use
 * is given back and another one tried (up to 64). Errors after the bind go to `onSocketError`.
 */
export function bindDgramLeg(
  leg: Leg,
  address: string,
  pool: PortPool | undefined,
  onSocketError: (err: Error) => void,
): Promise<void> {
  const socket = leg.socket!;
  const attempts = pool === undefined ? 1 : Math.min(pool.size, 64);
  const tryOnce = (attempt: number): Promise<void> => {
    const port = pool === undefined ? 0 : pool.take();
    if (port < 0) {
      return Promise.reject(
        new SimError(ErrorCodes.MEDIA_PORTS_EXHAUSTED, 'no free port left in the relay range'),
      );
    }
    return new Promise<void>((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException): void => {
        socket.off('listening', onListening);
        if (port !== 0) {
          pool?.give(port);
        }
        if (err.code === 'EADDRINUSE' && pool !== undefined && attempt + 1 < attempts) {
          resolve(tryOnce(attempt + 1));
          return;
        }
        reject(
          new SimError(ErrorCodes.MEDIA_BIND, `cannot bind ${address}:${port}: ${err.message}`, {
            cause: err,
            details: { address, port },
          }),
        );
      };
      const onListening = (): void => {
        socket.off('error', onError);
        const bound = socket.address();
        leg.address = bound.address;
        leg.port = bound.port;
        // Errors after bind (none are expected on UDP) must not crash the process.
        socket.on('error', onSocketError);
        resolve();
      };
      socket.once('error', onError);
      socket.once('listening', onListening);
      socket.bind({ port, address, exclusive: true });
    });
  };
  return tryOnce(0);
}

/**
 * Connects a leg's socket to its peer (`connectSockets`): the kernel then delivers only the
 * peer's datagrams, and sends need no address. A connected socket is disconnected first;
 * with `final` false (a peer that may still change), it stays unconnected. On the batch path
 * the connect is synchronous; on the dgram path sends go to the address explicitly until it
 * completes. A failed connect is logged and the leg sends unconnected.
 */
export function connectLeg(
  io: UdpBatchIo | null,
  leg: Leg,
  final: boolean,
  log: ComponentLogger | undefined,
): void {
  const address = leg.peerAddress;
  const port = leg.peerPort;
  try {
    if (io !== null) {
      if (leg.connected) {
        leg.connected = false;
        io.connect(leg.sock, null, 0);
      }
      if (final) {
        io.connect(leg.sock, address, port);
        leg.connected = true;
      }
      return;
    }
    const socket = leg.socket!;
    if (leg.connected) {
      leg.connected = false;
      try {
        socket.disconnect();
      } catch {
        // Not connected after all: nothing to undo.
      }
    }
    if (final) {
      socket.connect(port, address, () => {
        if (leg.peerAddress === address && leg.peerPort === port && leg.session.active) {
          leg.connected = true;
        }
      });
    }
  } catch (e) {
    log?.warn({ err: e, id: leg.session.id }, 'connect failed; sending unconnected');
  }
}
