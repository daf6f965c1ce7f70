import { afterEach, expect, it } from 'vitest';
import type { DatagramTap } from '../../../src/core/index.js';
import { MediaEndpoint, RelayEngine } from '../../../src/media/index.js';
import { buildRtp } from '../../support/media-packets.js';
import { bindPeer, closeAll, waitFor } from '../../support/media-udp.js';
import { describeEachIo } from './relay-io.js';

interface Seen {
  readonly local: string;
  readonly remote: string;
  readonly bytes: Buffer;
}

/** A tap that keeps a copy of everything it is told. */
function recordingTap(): { tap: DatagramTap; seen: Seen[] } {
  const seen: Seen[] = [];
  return {
    seen,
    tap: {
      received(localAddress, localPort, remoteAddress, remotePort, buf, len) {
        seen.push({
          local: `${localAddress}:${localPort}`,
          remote: `${remoteAddress}:${remotePort}`,
          bytes: Buffer.from(buf.subarray(0, len)),
        });
      },
    },
  };
}

const engines: RelayEngine[] = [];
const endpoints: MediaEndpoint[] = [];

afterEach(() => {
  for (const e of engines.splice(0)) {
    e.shutdown();
  }
  for (const e of endpoints.splice(0)) {
    e.close();
  }
  closeAll();
});

describeEachIo('the relay tells its tap of every datagram a leg receives', (path) => {
  it('with the leg as local address and the sender as remote, strangers included', async () => {
    const { tap, seen } = recordingTap();
    const relay = new RelayEngine({ ...path.options, tap });
    engines.push(relay);
    // A tap keeps every datagram in JavaScript: no native forwarding with one.
    expect(relay.io).toBe(path.io);
    expect(relay.nativeForwarding).toBe(false);
    const info = await relay.allocate({
      legA: { bindAddress: '127.0.0.1' },
      legB: { bindAddress: '127.0.0.1' },
    });
    const a = await bindPeer();
    const b = await bindPeer();
    const stranger = await bindPeer();
    relay.setPeer(info.id, 'A', { address: a.address, port: a.port });
    relay.setPeer(info.id, 'B', { address: b.address, port: b.port });
    await a.send(buildRtp({ seq: 1 }), info.legA);
    await b.send(buildRtp({ seq: 7, ssrc: 9 }), info.legB);
    await stranger.send(buildRtp({ seq: 3, ssrc: 5 }), info.legA);
    expect(await waitFor(() => seen.length === 3)).toBe(true);
    expect(seen.map((s) => [s.local, s.remote])).toEqual(
      expect.arrayContaining([
        [`${info.legA.address}:${info.legA.port}`, `${a.address}:${a.port}`],
        [`${info.legB.address}:${info.legB.port}`, `${b.address}:${b.port}`],
        [`${info.legA.address}:${info.legA.port}`, `${stranger.address}:${stranger.port}`],
      ]),
    );
    expect(seen.find((s) => s.remote === `${a.address}:${a.port}`)?.bytes).toEqual(
      buildRtp({ seq: 1 }),
    );
  });
});

it('an endpoint tells its tap of every datagram it receives', async () => {
  const { tap, seen } = recordingTap();
  const ep = await MediaEndpoint.create({ bindAddress: '127.0.0.1', tap });
  endpoints.push(ep);
  const peer = await bindPeer();
  const at = ep.local;
  await peer.send(buildRtp({ seq: 1 }), at);
  await peer.send(Buffer.from([1, 2, 3]), at);
  expect(await waitFor(() => seen.length === 2)).toBe(true);
  expect(seen[0]).toMatchObject({
    local: `${at.address}:${at.port}`,
    remote: `${peer.address}:${peer.port}`,
  });
  expect(seen[1]?.bytes).toEqual(Buffer.from([1, 2, 3]));
});
