/**
 * A naive Node relay for comparison: two sockets per call, every datagram sent on from the
 * other socket, with no classification, no source check and no counters. It marks the cost
 * of Node's UDP path itself, below which no Node relay can go.
 */
import dgram from 'node:dgram';

function bind(address) {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket('udp4');
    s.once('error', reject);
    s.bind(0, address, () => {
      s.off('error', reject);
      resolve(s);
    });
  });
}

/** A CallAllocator (see src/media/load-run.ts) over the naive relay, in this process. */
export function naiveAllocator() {
  const calls = new Map();
  let n = 0;
  return {
    name: 'naive Node relay',
    async allocate(peerA, peerB) {
      const a = await bind('127.0.0.1');
      const b = await bind('127.0.0.1');
      a.on('message', (msg) => b.send(msg, peerB.port, peerB.address));
      b.on('message', (msg) => a.send(msg, peerA.port, peerA.address));
      const id = String(++n);
      calls.set(id, [a, b]);
      const ad = a.address();
      const bd = b.address();
      return {
        id,
        a: { address: ad.address, port: ad.port },
        b: { address: bd.address, port: bd.port },
      };
    },
    release(id) {
      for (const s of calls.get(id) ?? []) {
        s.close();
      }
      calls.delete(id);
      return Promise.resolve();
    },
    cpuMicros() {
      const u = process.cpuUsage();
      return u.user + u.system;
    },
    rssBytes() {
      return process.memoryUsage().rss;
    },
  };
}
