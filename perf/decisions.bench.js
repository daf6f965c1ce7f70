/**
 * Policy engine throughput: decisions per second for 10,000 calls on the Litware reference
 * topology (target: over 100,000 decisions/s), with the rule trace off and on. A mix of
 * outbound PSTN, inbound PSTN and client-to-client calls, 60 s long, one every 100 ms, so that
 * links fill and the refusal chain runs too. Prints figures; asserts nothing.
 *
 *   npm run build && node perf/decisions.bench.js [--calls 10000] [--rounds 5]
 */
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runTimeline } from '../dist/policy/index.js';
import { loadScenarioFile } from '../dist/scenario/index.js';
import { Topology } from '../dist/topology/index.js';
const { values } = parseArgs({
  options: {
    calls: { type: 'string', default: '10000' },
    rounds: { type: 'string', default: '5' },
  },
});
const nCalls = Number(values.calls);
const rounds = Number(values.rounds);
const file = fileURLToPath(new URL('../scenarios/litware.yaml', import.meta.url));
const loaded = await loadScenarioFile(file);
if (!loaded.ok) {
  throw new Error('litware.yaml is invalid');
}
const base = loaded.scenario;
function makeCalls(s, n) {
  const clients = s.hosts.clients.map((c) => c.name);
  const gateways = s.hosts.gateways.map((g) => g.name);
  let seed = 12345;
  const rnd = (k) => {
    seed = (seed * 1103515245 + 12345) & 2147483647;
    return seed % k;
  };
  const calls = [];
  for (let i = 0; i < n; i++) {
    const kind = rnd(3);
    const client = clients[rnd(clients.length)] ?? 'alice';
    const gw = gateways[rnd(gateways.length)] ?? 'gw-chi';
    let other = clients[rnd(clients.length)] ?? 'bob';
    if (other === client) {
      other = client === 'bob' ? 'alice' : 'bob';
    }
    const common = {
      id: `c${i}`,
      index: i,
      atMs: i * 100,
      durationMs: 6e4,
      number: null,
      codec: null,
      modality: 'audio',
      expect: null,
    };
    if (kind === 0) {
      calls.push({ ...common, kind: 'outbound-pstn', from: client, to: gw, trunk: gw });
    } else if (kind === 1) {
      calls.push({ ...common, kind: 'inbound-pstn', from: gw, to: client, trunk: gw });
    } else {
      calls.push({ ...common, kind: 'p2p', from: client, to: other, trunk: null });
    }
  }
  return calls;
}
const scenario = { ...base, calls: makeCalls(base, nCalls) };
const topo = new Topology(scenario);
for (const trace of [false, true]) {
  runTimeline(topo, { trace, snapshots: false, retain: false });
  const rates = [];
  let counts = /* @__PURE__ */ new Map();
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    const seen = /* @__PURE__ */ new Map();
    runTimeline(topo, {
      trace,
      snapshots: false,
      retain: false,
      onEntry: (e) => seen.set(e.decision.decision, (seen.get(e.decision.decision) ?? 0) + 1),
    });
    const ms = performance.now() - t0;
    rates.push((nCalls / ms) * 1e3);
    counts = seen;
  }
  rates.sort((a, b) => a - b);
  const median = rates[Math.floor(rates.length / 2)] ?? 0;
  process.stdout.write(
    `decisions (trace ${trace ? 'on ' : 'off'}): ${nCalls} calls x ${rounds} rounds, median ${Math.round(median).toLocaleString('en-US')} decisions/s (min ${Math.round(rates[0] ?? 0).toLocaleString('en-US')}, max ${Math.round(rates[rates.length - 1] ?? 0).toLocaleString('en-US')}); mix: ${[...counts.entries()].map(([k, v]) => `${k} ${v}`).join(', ')}
`,
  );
}
