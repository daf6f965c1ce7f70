/**
 * UDP helpers for media tests: real sockets on loopback, closed by `closeAll()` in
 * `afterEach`, and a bounded wait for a condition.
 */
import dgram from 'node:dgram';

/** A bound test socket that records what it receives. */
export interface TestPeer {
  readonly socket: dgram.Socket;
  readonly address: string;
  readonly port: number;
  readonly received: { data: Buffer; from: string; port: number }[];
  /** Total bytes received. */
  bytes(): number;
  send(data: Buffer, to: { address: string; port: number }): Promise<void>;
}

const open = new Set<dgram.Socket>();

/** Binds a UDP socket on `address` (default 127.0.0.1), port 0 unless given. */
export async function bindPeer(address = '127.0.0.1', port = 0): Promise<TestPeer> {
  const socket = dgram.createSocket('udp4');
  open.add(socket);
  const received: TestPeer['received'] = [];
  socket.on('message', (data, rinfo) => {
    received.push({ data, from: rinfo.address, port: rinfo.port });
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, address, () => {
      socket.off('error', reject);
      resolve();
    });
  });
  const bound = socket.address();
  return {
    socket,
    address: bound.address,
    port: bound.port,
    received,
    bytes: () => received.reduce((n, r) => n + r.data.length, 0),
    send: (data, to) =>
      new Promise<void>((resolve, reject) => {
        socket.send(data, to.port, to.address, (err) => {
          if (err) {
            reject(err);
          } else {
            resolve();
          }
        });
      }),
  };
}

/** Closes every socket opened with {@link bindPeer}. */
export function closeAll(): void {
  for (const socket of open) {
    try {
      socket.close();
    } catch {
      // Already closed.
    }
  }
  open.clear();
}

/** Waits until `condition()` holds, polling every 5 ms, for at most `timeoutMs`. */
export async function waitFor(condition: () => boolean, timeoutMs = 2000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (condition()) {
      return true;
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  return condition();
}

/** Waits `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
