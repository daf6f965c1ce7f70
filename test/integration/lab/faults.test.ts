import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { assignLoopback, endpointMedia, runLab } from '../../../src/lab/index.js';
import { MediaEndpoint } from '../../../src/media/index.js';
import { buildRunResults, type RunCallResult } from '../../../src/report/index.js';
import type { Scenario } from '../../../src/scenario/index.js';
import { mediaAddressOf, UserAgent, type IncomingCall } from '../../../src/sip/index.js';
import {
  eventually,
  openFds,
  openOutsideLabFor,
  peerOffer,
  placeFrom,
  type OutsideLab,
} from '../../support/outside-lab.js';
import { ScenarioBuilder } from '../../support/scenario-builder.js';

/**
 * Faults with real sockets on loopback, each ending every call with a true final state within
 * the configured timeouts and giving back every relay session: a peer killed mid-call (the
 * Mediation Server's relay notices on a relayed call, the endpoints on a bypassed one), a
 * callee that rings and never answers (Timer C), a gateway that stops answering keep-alives
 * (marked down, calls refused at once, marked up again) or INVITEs (fast failover), and a
 * partition between the sites (both legs torn down; with detection off, the report says the
 * legs disagreed). SIP timers run at a tenth of their RFC values (T1 50 ms: Timer F 3.2 s).
 */

const FIXTURE = 'test/fixtures/scenarios/outside-peers.yaml';
const SIP_TIMERS = { t1: 50, t2: 400, t4: 500 };
const logger = pino({ level: 'silent' });

function scenario(edit: (b: ScenarioBuilder) => ScenarioBuilder): Scenario {
  return edit(ScenarioBuilder.fromFile(FIXTURE)).build();
}

/** Runs a scenario's timeline live on loopback and returns its calls with the report's view. */
async function live(s: Scenario, graceMs = 8000): Promise<RunCallResult[]> {
  const a = assignLoopback(s);
  const r = await runLab(s, {
    logger,
    media: endpointMedia(logger, (x) => a.hostOf(x)),
    graceMs,
    sipTimers: SIP_TIMERS,
  });
  const isMs = (h: string): boolean => s.hosts.mediationServers.some((m) => m.name === h);
  return buildRunResults(r.calls, isMs);
}

const opened: OutsideLab[] = [];
const endpoints: MediaEndpoint[] = [];
afterEach(async () => {
  for (const e of endpoints.splice(0)) {
    e.close();
  }
  await Promise.all(opened.splice(0).map((o) => o.close()));
});

async function outside(s: Scenario, external: string[]): Promise<OutsideLab> {
  const o = await openOutsideLabFor(s, external, { sipTimers: SIP_TIMERS });
  opened.push(o);
  return o;
}

/** A caller's media: an endpoint that sends to where the answer says and never times out. */
async function mediaFor(address: string): Promise<MediaEndpoint> {
  const ep = await MediaEndpoint.create({ bindAddress: address });
  endpoints.push(ep);
  return ep;
}

describe('a peer killed mid-call', () => {
  it('relayed: the Mediation Server notices the silent leg, BYEs the survivor and frees the relay', async () => {
    const s = scenario((b) =>
      b.simulation({ mediaTimeout: '1s' }).set('faults', [{ at: '1500ms', stop: 'gw-chi' }]),
    );
    const o = await outside(s, ['alice']);
    const alice = o.peers.get('alice')!;
    const ep = await mediaFor(alice.stack.address);
    const fds = openFds();
    const ms = o.lab.sipListener('ms-chi', 'client');
    const t0 = performance.now();
    const r = await placeFrom(
      alice,
      `sip:+13125550199@${ms.address}:${ms.port}`,
      peerOffer(ep.local.address, ep.local.port),
    );
    expect(r.status).toBe(200);
    const relay = mediaAddressOf(r.answerSdp ?? '');
    ep.setRemote(relay!);
    ep.start();
    let byeAt = 0;
    r.call.on('ended', () => (byeAt = performance.now() - t0));
    // Stopped at 1.5 s, silent for 1 s, noticed within a tick of 250 ms.
    expect(await eventually(() => byeAt > 0, 6000)).toBe(true);
    expect(byeAt).toBeGreaterThan(2300);
    expect(byeAt).toBeLessThan(3500);
    expect(await eventually(async () => (await o.lab.relayCounters()).sessions === 0)).toBe(true);
    // The relay's sockets and the emulated gateway's are all closed again.
    expect(await eventually(() => openFds() <= fds)).toBe(true);
    const result = await o.lab.result({ final: false, aborted: false });
    const call = buildRunResults(result.calls, (h) => h === 'ms-chi')[0];
    expect(call?.state).toBe('media-timeout');
    expect(call?.finalReason).toMatch(/^ms-chi: no RTP from gw-chi for 1\.\d s$/);
    expect(call?.endedAt).toBeGreaterThan(2300);
    expect(call?.endedAt).toBeLessThan(3500);
    // alice is an outside peer: what it received is not observed, so media shows one way.
    expect(call?.observed.media).not.toBe('both-ways');
    const msLegs = (call?.legs ?? []).filter((l) => l.host === 'ms-chi');
    expect(msLegs.map((l) => [l.peer, l.end, l.cause])).toEqual([
      ['alice', 'bye-sent', 'media-timeout'],
      ['gw-chi', 'bye-sent', 'media-timeout'],
    ]);
  }, 20_000);

  it('bypassed: the surviving endpoint notices, hangs up, and every leg ends', async () => {
    const s = scenario((b) =>
      b
        .simulation({ mediaTimeout: '1s' })
        .set('faults', [{ at: '1500ms', stop: 'gw-por' }])
        .calls({ id: 'bypassed', at: 0, from: 'alice', to: 'gw-por', duration: '8s' }),
    );
    const [c] = await live(s);
    expect(c?.decision.decision).toBe('BYPASS');
    expect(c?.state).toBe('media-timeout');
    expect(c?.finalReason).toMatch(/^alice: no RTP received for 1\.\d s$/);
    expect(c?.endedAt).toBeGreaterThan(2300);
    expect(c?.endedAt).toBeLessThan(3500);
    expect(c?.observed.media).toBe('interrupted');
    // alice hung up; the Mediation Server passed the BYE on; the dead gateway never answered.
    const views = (c?.legs ?? []).map((l) => `${l.host}>${l.peer}:${l.end}:${l.byeStatus}`);
    expect(views).toContain('alice>ms-chi:bye-sent:200');
    // The BYE to the dead gateway is unanswered: 408 after Timer F, or not yet when the run ends.
    expect(views.filter((v) => v.startsWith('ms-chi>gw-por:bye-sent:'))).toHaveLength(1);
    expect(views).not.toContain('ms-chi>gw-por:bye-sent:200');
    expect(c?.legs?.every((l) => l.end !== 'open')).toBe(true);
  }, 30_000);
});

describe('a callee that rings and never answers', () => {
  it('gets CANCEL at the ring timeout (Timer C); the caller gets 408 and the relay is freed', async () => {
    const s = scenario((b) => b.simulation({ ringTimeout: '1500ms' }));
    const o = await outside(s, ['alice', 'gw-chi']);
    const gw = o.peers.get('gw-chi')!;
    const fds = openFds();
    let cancelledAt = 0;
    const t0 = performance.now();
    gw.onInvite = (inc: IncomingCall) => {
      inc.ring();
      inc.on('cancelled', () => (cancelledAt = performance.now() - t0));
    };
    const alice = o.peers.get('alice')!;
    const ms = o.lab.sipListener('ms-chi', 'client');
    const r = await placeFrom(
      alice,
      `sip:+13125550199@${ms.address}:${ms.port}`,
      peerOffer(alice.stack.address),
    );
    const at = performance.now() - t0;
    expect(r.status).toBe(408);
    expect(at).toBeGreaterThan(1400);
    expect(at).toBeLessThan(2200);
    expect(await eventually(() => cancelledAt > 0)).toBe(true);
    expect(await eventually(async () => (await o.lab.relayCounters()).sessions === 0)).toBe(true);
    expect(await eventually(() => openFds() <= fds)).toBe(true);
    const result = await o.lab.result({ final: false, aborted: false });
    expect(result.calls[0]?.state).toBe('ring-timeout');
  }, 20_000);
});

describe("gateways' health", () => {
  it('marks a gateway down after missed keep-alives, refuses calls to it at once, and up again', async () => {
    const s = scenario((b) => b.simulation({ keepAliveInterval: '300ms', keepAliveMisses: 2 }));
    const o = await outside(s, ['alice', 'gw-chi']);
    const alice = o.peers.get('alice')!;
    const gw = o.peers.get('gw-chi')!;
    const where = { address: gw.stack.address, port: gw.stack.port };
    const ms = o.lab.sipListener('ms-chi', 'client');
    const uri = `sip:+13125550199@${ms.address}:${ms.port}`;
    await new Promise((r) => setTimeout(r, 700));
    expect(o.lab.lab.peers().find((p) => p.peer === 'gw-chi')?.state).toBe('up');
    // The gateway dies: two keep-alives go unanswered.
    await gw.close();
    expect(
      await eventually(() => o.lab.lab.peers().find((p) => p.peer === 'gw-chi')?.state === 'down'),
    ).toBe(true);
    const t = performance.now();
    const r = await placeFrom(alice, uri, peerOffer(alice.stack.address));
    expect(r.status).toBe(503);
    expect(r.reason).toContain('gw-chi is down');
    expect(performance.now() - t).toBeLessThan(300);
    // It comes back on the same address and port: the next keep-alive marks it up.
    const back = await UserAgent.create({ ...where, logger, user: 'gw-chi' });
    try {
      expect(
        await eventually(() => o.lab.lab.peers().find((p) => p.peer === 'gw-chi')?.state === 'up'),
      ).toBe(true);
    } finally {
      await back.close();
    }
    const history = o.lab.lab.peers().find((p) => p.peer === 'gw-chi')?.history ?? [];
    expect(history.map((h) => h.state)).toEqual(['down', 'up']);
    expect(history[0]?.detail).toBe('2 keep-alives unanswered');
    const result = await o.lab.result({ final: false, aborted: false });
    expect(result.calls.map((c) => c.state)).toEqual(['peer-down']);
    expect(result.peers?.find((p) => p.peer === 'gw-chi')?.history).toHaveLength(2);
  }, 20_000);

  it('gives up a gateway that sends no provisional response within the fast failover timer', async () => {
    const s = scenario((b) => b.simulation({ fastFailoverTimeout: '1s', keepAliveInterval: 0 }));
    const o = await outside(s, ['alice', 'gw-chi']);
    o.peers.get('gw-chi')!.onInvite = () => undefined;
    const alice = o.peers.get('alice')!;
    const ms = o.lab.sipListener('ms-chi', 'client');
    const t = performance.now();
    const r = await placeFrom(
      alice,
      `sip:+13125550199@${ms.address}:${ms.port}`,
      peerOffer(alice.stack.address),
    );
    expect(r.status).toBe(503);
    expect(performance.now() - t).toBeGreaterThan(900);
    expect(performance.now() - t).toBeLessThan(1800);
    expect(await eventually(async () => (await o.lab.relayCounters()).sessions === 0)).toBe(true);
    const result = await o.lab.result({ final: false, aborted: false });
    expect(result.calls[0]?.state).toBe('peer-down');
  }, 20_000);
});

describe('a partition between the sites', () => {
  const relayed = { id: 'relayed', at: 0, from: 'alice', to: 'gw-chi', duration: '3s' };

  it('longer than the timeouts: both legs are torn down, every end of every dialog ended', async () => {
    const s = scenario((b) =>
      b
        .simulation({ mediaTimeout: '1s' })
        .set('faults', [{ at: '1500ms', partition: ['Portland', 'Chicago'], duration: '8s' }])
        .calls(relayed),
    );
    const [c] = await live(s);
    expect(c?.decision.decision).toBe('CAC-ADMITTED');
    expect(c?.state).toBe('media-timeout');
    expect(c?.observed.media).toBe('interrupted');
    expect(c?.legs?.filter((l) => l.answered && l.end === 'open')).toEqual([]);
    // Every end of both dialogs ended: alice's, the Mediation Server's two, the gateway's.
    const ends = (c?.legs ?? []).map((l) => `${l.host}>${l.peer}`).sort();
    expect(ends).toEqual(['alice>ms-chi', 'gw-chi>ms-chi', 'ms-chi>alice', 'ms-chi>gw-chi']);
    // Across the partition no BYE was answered.
    const across = (c?.legs ?? []).filter((l) => l.host === 'alice' || l.peer === 'alice');
    expect(across.filter((l) => l.end === 'bye-sent').map((l) => l.byeStatus)).not.toContain(200);
  }, 30_000);

  it('with detection off, the report says the legs disagreed, never "completed" or "both ways"', async () => {
    const s = scenario((b) =>
      b
        .simulation({ mediaTimeout: 0, rtcpTimeout: 0 })
        .set('faults', [{ at: '1500ms', partition: ['Portland', 'Chicago'], duration: '30s' }])
        .calls(relayed),
    );
    const [c] = await live(s);
    expect(c?.state).toBe('legs-disagree');
    expect(c?.observed.media).toBe('interrupted');
    expect(c?.observed.divergences.map((d) => d.kind)).toContain('legs-disagree');
    const open = (c?.legs ?? []).filter((l) => l.answered && l.end === 'open').map((l) => l.host);
    expect(open).toContain('ms-chi');
  }, 30_000);
});
