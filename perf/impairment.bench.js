/**
 * Link impairment cost per datagram, in nanoseconds.
 *
 * - `decide (all stages)`: the decision path of one link with every stage on (Gilbert-Elliott
 *   and random loss, a 100 Mbps rate limit with its queue, 40 ms delay with 5 ms jitter).
 * - `decide (loss only)`: the cheapest impaired link.
 * - `egress hold+release`: ImpairedEgress with a two-link chain (cached resolution, ring
 *   hold, release on a manual tick every 64 datagrams), sending to a socket stand-in whose
 *   `send()` does nothing, so the kernel is not measured.
 *
 * Prints figures; asserts nothing. Run after `npm run build`:
 *
 *   node perf/impairment.bench.js [--packets 5000000] [--rounds 7] [--json]
 */
import { parseArgs } from 'node:util';
import { EgressPacket, ImpairedEgress, LinkEmulator } from '../dist/media/impairment.js';

const { values } = parseArgs({
  options: {
    packets: { type: 'string', default: '5000000' },
    rounds: { type: 'string', default: '7' },
    json: { type: 'boolean', default: false },
  },
});
const perRound = Number(values.packets);
const rounds = Number(values.rounds);

const none = {
  delayMs: 0,
  jitterMs: 0,
  lossPercent: 0,
  burstLoss: null,
  rateKbps: null,
  queueMs: 100,
};
const full = {
  delayMs: 40,
  jitterMs: 5,
  lossPercent: 1,
  burstLoss: { pGoodToBad: 0.01, pBadToGood: 0.3, lossInBad: 0.8, lossInGood: 0 },
  rateKbps: 100_000,
  queueMs: 100,
};

function offerRun(impairment) {
  const link = new LinkEmulator({ impairment, seed: 1 });
  // The packet path's entry: times in the reusable context, a small-integer verdict back.
  const p = new EgressPacket();
  p.len = 172;
  return (n) => {
    let kept = 0;
    for (let i = 0; i < n; i++) {
      // 100,000 datagrams per second: 0.01 ms apart, under the 100 Mbps rate.
      p.at += 0.01;
      if (link.decide(p) === 0) {
        kept++;
      }
    }
    return kept;
  };
}

function egressRun() {
  // Time lives in an object field, not a closure variable, so that the harness itself boxes
  // no double per datagram.
  const clock = {
    t: 0,
    now() {
      return this.t;
    },
    wallNow() {
      return this.t;
    },
  };
  const a = new LinkEmulator({ impairment: { ...none, lossPercent: 1 }, seed: 1 });
  const b = new LinkEmulator({ impairment: { ...none, delayMs: 0.5 }, seed: 2, capacity: 1024 });
  const chain = [a, b];
  const egress = new ImpairedEgress({ resolve: () => chain, clock, timer: false });
  let sent = 0;
  const socket = {
    address: () => ({ address: '127.0.0.1', family: 'IPv4', port: 5004 }),
    send: () => {
      sent++;
    },
  };
  const buf = Buffer.alloc(172);
  return (n) => {
    const before = sent;
    for (let i = 0; i < n; i++) {
      clock.t += 0.01;
      egress.send(socket, buf, 5004, '127.0.0.2');
      if ((i & 63) === 63) {
        egress.onTick(clock.t);
      }
    }
    clock.t += 1;
    egress.onTick(clock.t);
    return sent - before;
  };
}

function measure(name, run) {
  run(Math.min(perRound, 1_000_000));
  const results = [];
  let checksum = 0;
  for (let r = 0; r < rounds; r++) {
    const t0 = process.hrtime.bigint();
    checksum += run(perRound);
    results.push(Number(process.hrtime.bigint() - t0) / perRound);
  }
  results.sort((x, y) => x - y);
  return {
    benchmark: name,
    packetsPerRound: perRound,
    rounds,
    nsPerPacketBest: results[0],
    nsPerPacketMedian: results[Math.floor(results.length / 2)],
    checksum,
  };
}

const out = [
  measure('decide (all stages)', offerRun(full)),
  measure('decide (loss only)', offerRun({ ...none, lossPercent: 1 })),
  measure('egress hold+release', egressRun()),
];
if (values.json) {
  console.log(JSON.stringify(out));
} else {
  for (const o of out) {
    console.log(
      `impairment ${o.benchmark}: ${o.nsPerPacketMedian.toFixed(1)} ns/packet median, ` +
        `${o.nsPerPacketBest.toFixed(1)} best over ${rounds} rounds of ${perRound.toLocaleString('en-US')}`,
    );
  }
}
