/**
 * Binding the socket of a relay leg on either I/O path, from the engine's port range when
 * there is one (a port in use is given back to the pool and another one tried). It must not
 * know sessions, peers or packets: the engine decides when a leg is bound and released.
 */
import { ErrorCodes, SimError } from '../core/index.js';
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
