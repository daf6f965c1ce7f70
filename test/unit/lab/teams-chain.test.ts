/**
 * The media of a Teams call in the lab: which hosts anchor it (the Transport Relay, the proxy
 * SBC, the Media Processor), their addresses, and where the Media Processor transcodes
 * (against a recording fake relay and media factory).
 */
import { describe, expect, it } from 'vitest';
import { assignLoopback } from '../../../src/lab/addressing.js';
import type { CallRecord } from '../../../src/lab/call-observations.js';
import { edgesBetween } from '../../../src/lab/edge-chain.js';
import type { HostContext, RelayControl } from '../../../src/lab/host-context.js';
import type { MediaSession } from '../../../src/lab/media-session.js';
import { hopsBetween, isTeamsRelay, teamsChain } from '../../../src/lab/teams-chain.js';
import { runTimeline } from '../../../src/policy/index.js';
import { loadScenarioFile } from '../../../src/scenario/index.js';
import { Topology } from '../../../src/topology/index.js';

const loaded = await loadScenarioFile('test/fixtures/scenarios/live-teams.yaml');
if (!loaded.ok) {
  throw new Error('fixture must load');
}
const scenario = loaded.scenario;
const addressing = assignLoopback(scenario);
const decisions = new Map(
  runTimeline(new Topology(scenario)).entries.map((e) => [e.call.id, e.decision] as const),
);

/** A call record with the decision of a call of the fixture. */
function recOf(id: string): CallRecord {
  return { decision: decisions.get(id) ?? null } as CallRecord;
}

/** A fake relay and media factory that record what the chain asks of them. */
function fakes(): { ctx: Parameters<typeof teamsChain>[0]; ops: string[] } {
  const ops: string[] = [];
  let n = 0;
  const relay: RelayControl = {
    allocate: (request) => {
      n++;
      ops.push(`relay ${addressing.hostOf(request.legA.bindAddress) ?? '?'}`);
      return Promise.resolve({
        id: `s${n}`,
        legA: { address: `a${n}`, port: n * 10 },
        legB: { address: `b${n}`, port: n * 10 + 1 },
      });
    },
    setPeer: (id, leg, peer) => {
      ops.push(`${id}.${leg} -> ${peer.address}:${peer.port}`);
      return Promise.resolve();
    },
    close: () => Promise.resolve(true),
    stats: () => Promise.reject(new Error('unused')),
  };
  const openMedia: HostContext['openMedia'] = (_rec, host, _accept, stream) => {
    ops.push(
      `transcode ${host} ${stream?.format?.payloadType ?? '?'}/${stream?.transcode?.format.payloadType ?? '?'}`,
    );
    const far = {
      address: 'far',
      port: 2,
      setRemote: (a: string, p: number) => ops.push(`far -> ${a}:${p}`),
    };
    return Promise.resolve({
      address: 'near',
      port: 1,
      far,
      setRemote: (a: string, p: number) => ops.push(`near -> ${a}:${p}`),
    } as unknown as MediaSession);
  };
  return {
    ops,
    ctx: { addressing, relayOf: () => relay, trackRelay: () => undefined, openMedia },
  };
}

describe('the hosts of a Teams call', () => {
  it('are hosts of a Teams run with loopback addresses of their own', () => {
    expect(isTeamsRelay(scenario, 'teams-mp')).toBe(true);
    expect(isTeamsRelay(scenario, 'sbc-chi')).toBe(false);
    expect(addressing.scenarioIpOf(addressing.addressOf('teams-mp'))).toBe('203.0.113.10');
    // Under Skype for Business (the first pass of a contrast) they are not.
    const sfb = assignLoopback({ ...scenario, deployment: { kind: 'sfb-server', contrast: null } });
    expect(sfb.entries.some((e) => e.host === 'teams-mp')).toBe(false);
  });

  it('lie between the client and the far end, in order from the client', () => {
    expect(hopsBetween(['sbc-chi', 'teams-tr', 'xavier'], 'xavier', 'sbc-chi')).toEqual([
      'teams-tr',
    ]);
    expect(hopsBetween(['bob', 'sbc-chi', 'sbc-por'], 'bob', 'sbc-por')).toEqual(['sbc-chi']);
    expect(hopsBetween(['alice', 'sbc-por'], 'alice', 'sbc-por')).toEqual([]);
    // A call between clients chains the cloud relays as it chains A/V Edges.
    expect(edgesBetween(scenario, ['bob', 'teams-mp', 'sam'], 'bob', 'sam')).toEqual(['teams-mp']);
  });
});

describe('teamsChain', () => {
  it('forwards through a Transport Relay at its own address', async () => {
    const { ctx, ops } = fakes();
    const chain = await teamsChain(ctx, recOf('external-user'), ['teams-tr'], 'xavier', 'sbc-chi');
    await chain?.setClientPeer({ address: 'client', port: 5 });
    await chain?.setFarPeer({ address: 'sbc', port: 6 });
    expect(ops).toEqual(['relay teams-tr', 's1.A -> client:5', 's1.B -> sbc:6']);
    expect(chain?.clientPlan).toBeNull();
  });

  it('transcodes on a Media Processor whose legs carry different codecs', async () => {
    const { ctx, ops } = fakes();
    const chain = await teamsChain(
      ctx,
      recOf('sbc-without-bypass'),
      ['teams-mp'],
      'bob',
      'sbc-old',
    );
    await chain?.setFarPeer({ address: 'sbc', port: 6 });
    // RTAudio wideband (114) towards the client, G.711 (0) towards the SBC.
    expect(ops).toEqual(['transcode teams-mp 114/0', 'far -> sbc:6']);
    expect(chain?.clientPlan?.codec).toBe('RTAudio-WB');
    expect(chain?.clientFacing).toEqual({ address: 'near', port: 1 });
  });

  it('has nothing to anchor when the media goes directly', async () => {
    const { ctx, ops } = fakes();
    expect(await teamsChain(ctx, recOf('branch-user-local-sbc'), [], 'alice', 'sbc-por')).toBe(
      null,
    );
    expect(ops).toEqual([]);
  });
});
