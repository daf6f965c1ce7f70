import { afterEach, expect, it } from 'vitest';
import { createRelay, MediaEndpoint, type Relay } from '../../../src/media/index.js';
import { buildRtcpCompound, buildRtp, hostileCorpus } from '../../support/media-packets.js';
import { bindPeer, closeAll, sleep, waitFor } from '../../support/media-udp.js';
import { describeEachIo } from './relay-io.js';

/** Polls an asynchronous condition every 5 ms for at most 2 s. */
async function waitForAsync(condition: () => Promise<boolean>): Promise<boolean> {
  for (let i = 0; i < 400; i++) {
    if (await condition()) {
      return true;
    }
    await sleep(5);
  }
  return false;
}

const relays: Relay[] = [];
const endpoints: MediaEndpoint[] = [];

afterEach(async () => {
  for (const e of endpoints.splice(0)) {
    e.close();
  }
  await Promise.all(relays.splice(0).map((r) => r.shutdown()));
  closeAll();
});

const loopback = { legA: { bindAddress: '127.0.0.1' }, legB: { bindAddress: '127.0.0.1' } };

describeEachIo('relay under hostile traffic', (path) => {
  it.each([0, 2])(
    'forwards only valid packets from the peer, counts every drop and leaks nothing (workers: %i)',
    async (workers) => {
      const relay = await createRelay({ workers, ...path.options });
      relays.push(relay);
      expect(relay.io).toBe(path.io);
      expect(relay.nativeForwarding).toBe(path.nativeForwarding);

      // A normal call between two endpoints keeps running through the whole test.
      const alice = await MediaEndpoint.create({ bindAddress: '127.0.0.1' });
      const gw = await MediaEndpoint.create({ bindAddress: '127.0.0.2' });
      endpoints.push(alice, gw);
      const normal = await relay.allocate(loopback);
      await relay.setPeer(normal.id, 'A', alice.local);
      await relay.setPeer(normal.id, 'B', gw.local);
      alice.setRemote(normal.legA);
      gw.setRemote(normal.legB);
      alice.start();
      gw.start();

      // The attacked call: raw peers, so that malformed packets come from the signalled
      // source and only the classifier stands between them and the other leg.
      const a = await bindPeer();
      const b = await bindPeer('127.0.0.3');
      const attacked = await relay.allocate(loopback);
      await relay.setPeer(attacked.id, 'A', { address: a.address, port: a.port });
      await relay.setPeer(attacked.id, 'B', { address: b.address, port: b.port });

      const corpus = hostileCorpus();
      const expected: Record<string, number> = {};
      const valid: Buffer[] = [];
      for (let round = 0; round < 3; round++) {
        for (const { reason, packet } of corpus) {
          await a.send(packet, attacked.legA);
          expected[reason] = (expected[reason] ?? 0) + 1;
          if (reason === 'too-large') {
            // A 64 KiB datagram takes a third of a default socket buffer: let the relay
            // read it before the next one, so that the kernel does not drop it first.
            const n = expected[reason];
            await waitForAsync(async () => (await relay.counters()).dropped['too-large'] === n);
          }
        }
        const good = buildRtp({ seq: 100 + round, ssrc: 0xabcdef });
        valid.push(good);
        await a.send(good, attacked.legA);
      }
      const rtcp = buildRtcpCompound(0xabcdef);
      valid.push(rtcp);
      await a.send(rtcp, attacked.legA);

      // Strangers: another address, and the peer's own address from another port, send
      // valid RTP to every relay port.
      const stranger = await bindPeer('127.0.0.9');
      const sameHost = await bindPeer('127.0.0.1');
      const ports = [normal.legA, normal.legB, attacked.legA, attacked.legB];
      for (let i = 0; i < 5; i++) {
        for (const to of ports) {
          await stranger.send(buildRtp({ seq: i + 1 }), to);
          await sameHost.send(buildRtp({ seq: i + 1 }), to);
        }
      }

      expect(await waitFor(() => b.received.length === valid.length, 3000)).toBe(true);
      await sleep(300);
      // Exactly the valid packets crossed, byte for byte, in order.
      expect(b.received.map((r) => r.data.toString('hex'))).toEqual(
        valid.map((v) => v.toString('hex')),
      );
      expect(a.received).toHaveLength(0);
      expect(stranger.bytes()).toBe(0);
      expect(sameHost.bytes()).toBe(0);

      const attackedStats = await relay.stats(attacked.id);
      expect(attackedStats.legA.dropped).toEqual({ ...expected, stranger: 10 });
      expect(attackedStats.legB.dropped).toEqual({ stranger: 10 });
      expect(attackedStats.legA.forwarded).toBe(valid.length);
      const normalStats = await relay.stats(normal.id);
      expect(normalStats.legA.dropped).toEqual({ stranger: 10 });
      expect(normalStats.legB.dropped).toEqual({ stranger: 10 });
      const counters = await relay.counters();
      expect(counters.dropped.stranger).toBe(40);
      expect(counters.dropped['too-large']).toBe(3);
      expect(counters.dropped.stun).toBe(3);

      // The normal call kept flowing without loss, from the relay's ports only.
      const before = gw.report().sources[0]?.packets ?? 0;
      expect(await waitFor(() => (gw.report().sources[0]?.packets ?? 0) > before + 5, 2000)).toBe(
        true,
      );
      alice.stop();
      gw.stop();
      await sleep(100);
      for (const [ep, from] of [
        [gw, normal.legB],
        [alice, normal.legA],
      ] as const) {
        const sources = ep.report().sources;
        expect(sources.map((s) => s.source)).toEqual([`${from.address}:${from.port}`]);
        expect(sources[0]!.lost).toBe(0);
        expect(ep.report().dropped).toEqual({});
      }
    },
  );
});
