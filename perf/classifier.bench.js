/**
 * Classifier + stream statistics cost per packet, in nanoseconds (target: <= 25 ns).
 *
 * A ring of 1,024 prebuilt packets (mostly G.711 RTP of 16 streams in sequence, with some
 * RTCP and some malformed packets mixed in) is classified over and over; valid RTP also
 * goes through the RFC 3550 sequence update, as on the relay's packet path. Prints figures;
 * asserts nothing. Run after `npm run build`:
 *
 *   node perf/classifier.bench.js [--packets 20000000] [--rounds 7]
 */
import { parseArgs } from 'node:util';
import {
  classifyPacket,
  PacketClass,
  rtpSequenceNumber,
  rtpSsrc,
  StreamStatsTable,
} from '../dist/media/index.js';

const { values } = parseArgs({
  options: {
    packets: { type: 'string', default: '20000000' },
    rounds: { type: 'string', default: '7' },
    json: { type: 'boolean', default: false },
  },
});
const perRound = Number(values.packets);
const rounds = Number(values.rounds);

const RING = 1024;
const ring = [];
const slots = [];
const table = new StreamStatsTable(16);
const streamSlot = Array.from({ length: 16 }, () => table.allocate());
const seq = new Array(16).fill(1000);
for (let i = 0; i < RING; i++) {
  const stream = i % 16;
  let p;
  if (i % 97 === 0) {
    // RTCP receiver report, 8 bytes.
    p = Buffer.from([0x80, 201, 0, 1, 0, 0, 0, stream]);
  } else if (i % 101 === 0) {
    // Malformed: CSRC count beyond the packet.
    p = Buffer.alloc(20, 0);
    p[0] = 0x8f;
  } else {
    p = Buffer.alloc(172, 0xff);
    p[0] = 0x80;
    p[1] = 0;
    p.writeUInt16BE(seq[stream]++ & 0xffff, 2);
    p.writeUInt32BE(i * 160, 4);
    p.writeUInt32BE(0x1000 + stream, 8);
  }
  ring.push(p);
  slots.push(streamSlot[stream]);
}

function run(n) {
  let rtp = 0;
  for (let i = 0; i < n; i++) {
    const p = ring[i & (RING - 1)];
    const verdict = classifyPacket(p, p.length, 1500);
    if (verdict === PacketClass.RTP) {
      table.onRtp(slots[i & (RING - 1)], rtpSsrc(p), rtpSequenceNumber(p), p.length);
      rtp++;
    }
  }
  return rtp;
}

run(2_000_000);
const results = [];
let sink = 0;
for (let r = 0; r < rounds; r++) {
  const t0 = process.hrtime.bigint();
  sink += run(perRound);
  const ns = Number(process.hrtime.bigint() - t0);
  results.push(ns / perRound);
}
results.sort((a, b) => a - b);
const out = {
  benchmark: 'classifier+stats',
  packetsPerRound: perRound,
  rounds,
  nsPerPacketBest: results[0],
  nsPerPacketMedian: results[Math.floor(results.length / 2)],
  targetNs: 25,
  checksum: sink,
};
if (values.json) {
  console.log(JSON.stringify(out));
} else {
  console.log(
    `classifier + stats: ${out.nsPerPacketMedian.toFixed(1)} ns/packet median, ` +
      `${out.nsPerPacketBest.toFixed(1)} best over ${rounds} rounds of ${perRound.toLocaleString('en-US')} (target <= 25 ns)`,
  );
}
