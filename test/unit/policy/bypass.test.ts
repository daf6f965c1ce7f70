import { describe, expect, it } from 'vitest';
import { decideCall, encryptionCompatible, Ledger } from '../../../src/policy/index.js';
import { Topology } from '../../../src/topology/index.js';
import {
  decide,
  litware,
  reserved,
  ScenarioBuilder,
  steps,
  usage,
  verdicts,
} from '../../support/scenario-builder.js';

/** The default scenario: alice (Portland) calls out through gw-por (Portland) via ms-chi. */
const base = (): ScenarioBuilder => new ScenarioBuilder();

/** Relayed through ms-chi with CAC on: leg A alice<->ms-chi and leg B ms-chi<->gw-por both cross Portland's uplink. */
const RELAY_RESERVATIONS = ['site:Portland|audio=44.8', 'site:Portland|audio=97'];

const EDGE = { name: 'edge-chi', ip: '131.107.0.10', site: 'Chicago' };
const EDGE_SUBNET = { subnet: '131.107.0.10', maskBits: 32, site: 'Chicago' };

describe('b.0 pre-steps', () => {
  it('b.0#1 the trunk picks the Mediation Server: media is relayed by the one the gateway is associated with', () => {
    const topo = base()
      .bypass({ enabled: false })
      .add('hosts.mediationServers', {
        name: 'ms-por',
        clientIp: '10.2.0.10',
        gatewayIp: '10.2.0.11',
      })
      .gateway('gw-por', { mediationServer: 'ms-por' })
      .topology();
    const d = decide(topo);
    expect(d.mediationServer).toBe('ms-por');
    expect(d.mediaPath).toEqual(['alice', 'ms-por', 'gw-por']);
    expect(steps(d, 'b.0#1')[0]?.inputs).toMatchObject({
      trunk: 'gw-por',
      mediationServer: 'ms-por',
    });
    // Both legs stay inside Portland: nothing crosses the uplink.
    expect(d.decision).toBe('CAC-ADMITTED');
    expect(d.holding.reservations).toEqual([]);
  });

  it('b.0#2 a pstnGateway-scoped trunk configuration wins over the global one', () => {
    const d = decide(base().trunk('pstnGateway:gw-por', { enableBypass: false }).topology());
    expect(steps(d, 'b.0#2')[0]?.inputs.scope).toBe('pstnGateway:gw-por');
    expect(d.bypass).toBe(false);
    expect(steps(d, 'b.1#4')[0]).toMatchObject({
      verdict: 'fail',
      inputs: { scope: 'pstnGateway:gw-por' },
    });
  });

  it('b.0#2 a site-scoped trunk configuration wins over the global one', () => {
    const d = decide(
      base()
        .trunk('global', { enableBypass: false })
        .trunk('site:Chicago', { enableBypass: true })
        .topology(),
    );
    expect(steps(d, 'b.0#2')[0]?.inputs.scope).toBe('site:Chicago');
    expect(d.decision).toBe('BYPASS');
  });

  it('b.0#2 the pstnGateway scope wins over the site scope', () => {
    const d = decide(
      base()
        .trunk('site:Chicago', { enableBypass: false })
        .trunk('pstnGateway:gw-por', { enableBypass: true })
        .trunk('global', { enableBypass: false })
        .topology(),
    );
    expect(steps(d, 'b.0#2')[0]?.inputs.scope).toBe('pstnGateway:gw-por');
    expect(d.decision).toBe('BYPASS');
  });
});

describe('b.1 bypass check', () => {
  it('b.1#3 with media bypass off globally there is no bypass, and CAC runs instead', () => {
    const d = decide(base().bypass({ enabled: false }).topology());
    expect(verdicts(d, 'b.1#3')).toEqual(['fail']);
    expect(d.decision).toBe('CAC-ADMITTED');
    expect(d.mediaPath).toEqual(['alice', 'ms-chi', 'gw-por']);
    expect(reserved(d)).toEqual(RELAY_RESERVATIONS);
  });

  it('b.1#4 EnableBypass off on the trunk prevents bypass even with global bypass on', () => {
    const d = decide(base().trunk('global', { enableBypass: false }).topology());
    expect(verdicts(d, 'b.1#3')).toEqual(['pass']);
    expect(verdicts(d, 'b.1#4')).toEqual(['fail']);
    expect(d.decision).toBe('CAC-ADMITTED');
    expect(d.mediaPath).toEqual(['alice', 'ms-chi', 'gw-por']);
  });

  it('b.1#5 a trunk without centralized media processing is not bypass-capable at run time', () => {
    const topo = new Topology(
      base().trunk('global', { concentratedTopology: false }).unvalidated(),
    );
    const d = decide(topo);
    expect(verdicts(d, 'b.1#5')).toEqual(['fail']);
    expect(d.bypass).toBe(false);
    expect(d.mediaPath).toEqual(['alice', 'ms-chi', 'gw-por']);
  });

  it('b.1#5 REFER off with RTCP flags on is not bypass-capable; with both RTCP flags off it is', () => {
    const bad = new Topology(
      base().trunk('global', { enableReferSupport: false, rtcpCallsOnHold: false }).unvalidated(),
    );
    expect(verdicts(decide(bad), 'b.1#5')).toEqual(['fail']);
    expect(decide(bad).bypass).toBe(false);
    const ok = base()
      .trunk('global', {
        enableReferSupport: false,
        rtcpActiveCalls: false,
        rtcpCallsOnHold: false,
      })
      .topology();
    expect(verdicts(decide(ok), 'b.1#5')).toEqual(['pass']);
    expect(decide(ok).decision).toBe('BYPASS');
  });

  it('b.1#6 an external client never bypasses: the Mediation Server carries media through the Edge', () => {
    const topo = base()
      .add('network.subnets', EDGE_SUBNET)
      .add('hosts.edges', EDGE)
      .client('alice', { ip: '198.51.100.23', location: 'external' })
      .topology();
    const d = decide(topo);
    expect(verdicts(d, 'b.1#6')).toEqual(['fail']);
    expect(d.bypass).toBe(false);
    expect(d.mediaPath).toEqual(['alice', 'edge-chi', 'ms-chi', 'gw-por']);
  });

  it('b.1#7 InternalBypassMode is Any when bypass is enabled; set to Off it prevents bypass', () => {
    const on = base().topology();
    expect(on.scenario.networkConfiguration.mediaBypassSettings.internalBypassMode).toBe('Any');
    expect(verdicts(decide(on), 'b.1#7')).toEqual(['pass']);
    const off = decide(base().bypass({ internalBypassMode: 'Off' }).topology());
    expect(verdicts(off, 'b.1#7')).toEqual(['fail']);
    expect(off.bypass).toBe(false);
  });

  it('b.1#8 a client older than Lync 2010 does not bypass; Lync 2010 does', () => {
    const old = decide(base().client('alice', { version: 'ocs2007r2' }).topology());
    expect(verdicts(old, 'b.1#8')).toEqual(['fail']);
    expect(old.decision).toBe('CAC-ADMITTED');
    const lync = decide(base().client('alice', { version: 'lync2010' }).topology());
    expect(verdicts(lync, 'b.1#8')).toEqual(['pass']);
    expect(lync.decision).toBe('BYPASS');
  });

  it('b.1#9 a conferencing MCU bypasses only with EnabledForAudioVideoConferences', () => {
    const mcu = base().client('alice', { conferenceMcu: true });
    const no = decide(mcu.topology());
    expect(verdicts(no, 'b.1#9')).toEqual(['fail']);
    expect(no.bypass).toBe(false);
    const yes = decide(mcu.bypass({ enabledForAudioVideoConferences: true }).topology());
    expect(verdicts(yes, 'b.1#9')).toEqual(['pass']);
    expect(yes.decision).toBe('BYPASS');
  });

  it('b.1#10 client bypass ID uses an exact own-subnet match, not containment', () => {
    // alice's own subnet 10.2.0.0/25 is not configured; 10.2.0.0/24 (Portland) contains it.
    const d = decide(base().client('alice', { maskBits: 25 }).topology());
    expect(steps(d, 'b.1#10')[0]).toMatchObject({
      verdict: 'fail',
      inputs: { ownSubnet: '10.2.0.0/25', bypassId: null },
    });
    expect(d.bypass).toBe(false);
    expect(d.reason).toContain('alice has no bypass ID');
    // CAC still finds her in Portland by containment (c.1#1).
    expect(reserved(d)).toEqual(RELAY_RESERVATIONS);
  });

  it('b.1#10 a client in a subnet without a site gets no ID unless EnableDefaultBypassID', () => {
    const b = base()
      .add('network.subnets', { subnet: '10.3.0.0', maskBits: 24 })
      .client('alice', { ip: '10.3.0.15' })
      .gateway('gw-por', { ip: '10.3.0.200' });
    const no = decide(b.topology());
    expect(verdicts(no, 'b.1#10')).toEqual(['fail']);
    expect(no.bypass).toBe(false);
    const yes = decide(b.bypass({ enableDefaultBypassId: true }).topology());
    expect(verdicts(yes, 'b.1#10')).toEqual(['pass']);
    expect(yes.decision).toBe('BYPASS');
    expect(yes.bypassIds?.client?.source).toContain('global');
    expect(yes.bypassIds?.gateway?.id).toBe(yes.bypassIds?.client?.id);
  });

  it('b.1#10 with AlwaysBypass every client and gateway get the one system-wide ID', () => {
    const id = '12345678-1234-4234-8234-123456789abc';
    const d = decide(
      base()
        .cac(false)
        .bypass({ alwaysBypass: true, bypassId: id })
        .calls({ id: 'c1', at: 0, from: 'alice', to: 'gw-chi' })
        .topology(),
    );
    expect(d.decision).toBe('BYPASS');
    expect(d.bypassIds?.client?.id).toBe(id);
    expect(d.bypassIds?.gateway?.id).toBe(id);
    expect(verdicts(d, 'b.1#10')).toEqual(['pass']);
    expect(verdicts(d, 'b.1#11')).toEqual(['pass']);
  });

  it('b.1#11 A3 containment (default): the gateway is matched by the longest prefix containing it', () => {
    const topo = base().topology();
    expect(topo.scenario.simulation.gatewaySubnetMatch).toBe('containment');
    const d = decide(topo);
    expect(steps(d, 'b.1#11')[0]?.verdict).toBe('pass');
    expect(d.bypassIds?.gateway?.source).toContain('Portland');
    expect(d.decision).toBe('BYPASS');
  });

  it('b.1#11 A3 exact: a gateway needs its own /32 subnet to get a bypass ID', () => {
    const inRange = decide(base().simulation({ gatewaySubnetMatch: 'exact' }).topology());
    expect(steps(inRange, 'b.1#11')[0]?.verdict).toBe('fail');
    expect(inRange.bypass).toBe(false);
    expect(inRange.reason).toContain('gw-por has no bypass ID');
    const own = decide(
      base()
        .simulation({ gatewaySubnetMatch: 'exact' })
        .add('network.subnets', { subnet: '10.5.0.200', maskBits: 32, site: 'Portland' })
        .gateway('gw-por', { ip: '10.5.0.200' })
        .topology(),
    );
    expect(steps(own, 'b.1#11')[0]?.verdict).toBe('pass');
    expect(own.decision).toBe('BYPASS');
  });

  it('b.1#12 different bypass IDs mean no bypass (Portland client, Chicago gateway)', () => {
    const d = decide(base().calls({ id: 'c1', at: 0, from: 'alice', to: 'gw-chi' }).topology());
    expect(steps(d, 'b.1#12')[0]).toMatchObject({
      verdict: 'fail',
      inputs: { decidedBy: 'mediation-server' },
    });
    expect(d.bypassIds?.client?.id).not.toBe(d.bypassIds?.gateway?.id);
    expect(d.mediaPath).toEqual(['alice', 'ms-chi', 'gw-chi']);
  });

  it('b.1#12 outbound, the Mediation Server compares; inbound, the client compares', () => {
    const out = decide(base().topology());
    expect(steps(out, 'b.1#12')[0]).toMatchObject({
      verdict: 'pass',
      inputs: { decidedBy: 'mediation-server' },
    });
    const inbound = decide(
      base().calls({ id: 'c1', at: 0, from: 'gw-por', to: 'alice' }).topology(),
    );
    expect(inbound.kind).toBe('inbound-pstn');
    expect(steps(inbound, 'b.1#12')[0]).toMatchObject({
      verdict: 'pass',
      inputs: { decidedBy: 'client' },
    });
    expect(inbound.decision).toBe('BYPASS');
  });

  it('b.1#13 a bypassed leg uses G.711 only; a client without G.711 is relayed', () => {
    const g711 = decide(base().topology());
    expect(g711.codecs).toEqual({ caller: 'PCMU', callee: 'PCMU' });
    const pcma = decide(
      base()
        .gateway('gw-por', { codecs: ['PCMA'] })
        .topology(),
    );
    expect(pcma.decision).toBe('BYPASS');
    expect(pcma.codecs).toEqual({ caller: 'PCMA', callee: 'PCMA' });
    const rta = decide(
      base()
        .client('alice', { codecs: ['RTAudio-WB', 'RTAudio-NB'] })
        .topology(),
    );
    expect(verdicts(rta, 'b.1#13')).toEqual(['fail']);
    expect(rta.bypass).toBe(false);
    expect(rta.mediaPath).toEqual(['alice', 'ms-chi', 'gw-por']);
    expect(rta.codecs.caller).toBe('RTAudio-NB');
  });

  it('b.1#13 a call forced onto SILK cannot bypass', () => {
    const d = decide(
      base().calls({ id: 'c1', at: 0, from: 'alice', to: 'gw-por', codec: 'SILK-WB' }).topology(),
    );
    expect(verdicts(d, 'b.1#13')).toEqual(['fail']);
    expect(d.bypass).toBe(false);
  });

  it('b.1#14 the SRTP compatibility table', () => {
    expect(encryptionCompatible('RequireEncryption', 'Required', true)).toBe(true);
    expect(encryptionCompatible('RequireEncryption', 'Optional', true)).toBe(true);
    expect(encryptionCompatible('RequireEncryption', 'Optional', false)).toBe(false);
    expect(encryptionCompatible('RequireEncryption', 'NotSupported', true)).toBe(false);
    for (const mode of ['Required', 'Optional', 'NotSupported'] as const) {
      expect(encryptionCompatible('SupportEncryption', mode, false)).toBe(true);
    }
    expect(encryptionCompatible('DoNotSupportEncryption', 'Required', true)).toBe(false);
  });

  it('b.1#14 SRTPMode NotSupported with RequireEncryption relays; with SupportEncryption it bypasses', () => {
    const b = base().trunk('global', { srtpMode: 'NotSupported' });
    const d = decide(b.topology());
    expect(steps(d, 'b.1#14')[0]).toMatchObject({
      verdict: 'fail',
      inputs: { encryptionLevel: 'RequireEncryption', srtpMode: 'NotSupported' },
    });
    expect(d.mediaPath).toEqual(['alice', 'ms-chi', 'gw-por']);
    const ok = decide(
      b
        .add('mediaConfigurations', { scope: 'global', encryptionLevel: 'SupportEncryption' })
        .topology(),
    );
    expect(verdicts(ok, 'b.1#14')).toEqual(['pass']);
    expect(ok.decision).toBe('BYPASS');
  });

  it('b.1#14 SRTPMode Optional bypasses only when the peer offers SRTP', () => {
    const b = base().trunk('global', { srtpMode: 'Optional' });
    expect(decide(b.topology()).decision).toBe('BYPASS');
    const d = decide(b.gateway('gw-por', { offersSrtp: false }).topology());
    expect(verdicts(d, 'b.1#14')).toEqual(['fail']);
    expect(d.bypass).toBe(false);
  });

  it('b.1#14 a TCP trunk is forced to NotSupported, so a RequireEncryption client is relayed', () => {
    const d = decide(base().gateway('gw-por', { transport: 'tcp' }).topology());
    expect(steps(d, 'b.1#14')[0]).toMatchObject({
      verdict: 'fail',
      inputs: { srtpMode: 'NotSupported' },
    });
    expect(d.bypass).toBe(false);
  });

  it('b.1#14 Required with DoNotSupportEncryption at the client site relays', () => {
    const d = decide(
      base()
        .add('mediaConfigurations', {
          scope: 'site:Portland',
          encryptionLevel: 'DoNotSupportEncryption',
        })
        .topology(),
    );
    expect(steps(d, 'b.1#14')[0]?.inputs.encryptionLevel).toBe('DoNotSupportEncryption');
    expect(verdicts(d, 'b.1#14')).toEqual(['fail']);
  });

  it('b.1#15 a peer that accepts media only from the Mediation Server still gets bypass, with a warning', () => {
    const d = decide(base().gateway('gw-por', { acceptsMediaFrom: 'mediation-server' }).topology());
    expect(d.decision).toBe('BYPASS');
    expect(d.mediaPath).toEqual(['alice', 'gw-por']);
    expect(d.warnings.join(' ')).toContain('only from the Mediation Server');
    expect(steps(d, 'b.1#15')[0]?.verdict).toBe('info');
  });

  it('b.1#15 an inbound call from a peer without early-dialog support bypasses with a clipping warning', () => {
    const d = decide(
      base()
        .gateway('gw-por', { supportsEarlyDialogs: 0 })
        .calls({ id: 'c1', at: 0, from: 'gw-por', to: 'alice' })
        .topology(),
    );
    expect(d.decision).toBe('BYPASS');
    expect(d.warnings.join(' ')).toContain('clipped');
  });

  it('b.1#16 when the direct client-gateway path fails, the call falls back to relay', () => {
    const topo = base().topology();
    const call = topo.scenario.calls[0]!;
    const d = decideCall(topo, call, new Ledger(), { directPathWorks: () => false });
    expect(verdicts(d, 'b.1#16')).toEqual(['fail']);
    expect(d.bypass).toBe(false);
    expect(d.decision).toBe('CAC-ADMITTED');
    expect(d.mediaPath).toEqual(['alice', 'ms-chi', 'gw-por']);
    expect(
      verdicts(decideCall(topo, call, new Ledger(), { directPathWorks: () => true }), 'b.1#16'),
    ).toEqual(['pass']);
  });

  it('b.1#17 a bypassed call reserves nothing, even when the site link is full', () => {
    const d = decide(base().topology(), 'c1', usage({ 'site:Portland': 1000 }));
    expect(d.decision).toBe('BYPASS');
    expect(d.holding.reservations).toEqual([]);
    expect(verdicts(d, 'b.1#17')).toEqual(['pass']);
    expect(steps(d, 'c.3#11')).toEqual([]);
  });
});

describe('b.3 configuration-level exclusivity', () => {
  it('b.3#24 AlwaysBypass with CAC on is rejected', () => {
    const r = base().bypass({ alwaysBypass: true }).load();
    expect(r.ok).toBe(false);
    expect(r.ok ? [] : r.problems.map((p) => p.rule)).toContain('d.V1');
  });

  it('b.3#25 bypass and CAC share the sites and subnets: Portland is both a bypass ID and a CAC link', () => {
    const d = decide(base().calls({ id: 'c1', at: 0, from: 'alice', to: 'gw-chi' }).topology());
    expect(d.bypassIds?.client?.source).toContain('site Portland');
    expect(d.legs.map((l) => l.fromSite)).toEqual(['Portland', 'Chicago']);
    expect(reserved(d)).toEqual(['site:Portland|audio=44.8']);
  });

  it('b.3#26 without CAC a bandwidth profile still gives a site its own bypass ID', () => {
    const b = base().cac(false).calls({ id: 'c1', at: 0, from: 'alice', to: 'gw-chi' });
    const d = decide(b.topology());
    expect(d.decision).toBe('RELAY');
    expect(d.holding.reservations).toEqual([]);
    const noProfile = decide(b.site('Portland', { bwPolicyProfile: undefined }).topology());
    expect(noProfile.decision).toBe('BYPASS');
  });
});

describe('b.4 bypass IDs in decisions', () => {
  it('b.4#28 two unconstrained sites of a region bypass to each other', () => {
    const d = decide(
      base()
        .add('network.sites', { name: 'NewYork', region: 'NorthAmerica' })
        .add('network.subnets', { subnet: '10.4.0.0', maskBits: 24, site: 'NewYork' })
        .add('hosts.clients', { name: 'carol', ip: '10.4.0.20', maskBits: 24 })
        .calls({ id: 'c1', at: 0, from: 'carol', to: 'gw-chi' })
        .topology(),
    );
    expect(d.decision).toBe('BYPASS');
    expect(d.bypassIds?.client?.source).toContain('region NorthAmerica');
  });

  it('b.4#29 two constrained sites of a region never share an ID', () => {
    const d = decide(
      base()
        .add('network.sites', { name: 'Reno', region: 'NorthAmerica', bwPolicyProfile: 'Branch' })
        .add('network.subnets', { subnet: '10.6.0.0', maskBits: 24, site: 'Reno' })
        .add('hosts.clients', { name: 'erin', ip: '10.6.0.20', maskBits: 24 })
        .calls({ id: 'c1', at: 0, from: 'erin', to: 'gw-por' })
        .topology(),
    );
    expect(verdicts(d, 'b.1#12')).toEqual(['fail']);
    expect(d.bypass).toBe(false);
  });

  it('b.4#30 every subnet of a site carries the site ID (Litware Portland Wi-Fi subnet)', () => {
    const topo = litware().topology();
    const d = decide(topo, 'portland-wifi-local-gw');
    expect(d.decision).toBe('BYPASS');
    expect(d.bypassIds?.client?.id).toBe(decide(topo, 'portland-local-gw').bypassIds?.client?.id);
  });

  it('b.4#31 no bypass across regions (London client, Chicago gateway)', () => {
    const topo = litware().calls({ id: 'x', at: 0, from: 'gina', to: 'gw-chi' }).topology();
    const d = decide(topo);
    expect(verdicts(d, 'b.1#12')).toEqual(['fail']);
    expect(d.mediaPath).toEqual(['gina', 'ms-chi', 'gw-chi']);
    expect(reserved(d)).toEqual(['region-link:NA-EMEA-LINK|audio=44.8']);
  });

  it('b.4#32 a site ID forced equal to the region ID lets a constrained site bypass to the centre', () => {
    const id = '0d0d0d0d-1111-4222-8333-444444444444';
    const d = decide(
      base()
        .region('NorthAmerica', { bypassId: id })
        .site('Portland', { bypassId: id })
        .calls({ id: 'c1', at: 0, from: 'alice', to: 'gw-chi' })
        .topology(),
    );
    expect(d.decision).toBe('BYPASS');
    expect(d.bypassIds?.client?.source).toContain('configured');
  });

  it('b.4#33 subnets moved to a separate constrained site stop bypassing to the main site', () => {
    const b = base()
      .add('network.subnets', { subnet: '10.1.1.0', maskBits: 24, site: 'Chicago' })
      .add('hosts.clients', { name: 'wendy', ip: '10.1.1.20', maskBits: 24 })
      .calls({ id: 'c1', at: 0, from: 'wendy', to: 'gw-chi' });
    expect(decide(b.topology()).decision).toBe('BYPASS');
    const split = b.add('network.sites', {
      name: 'ChicagoWifi',
      region: 'NorthAmerica',
      bwPolicyProfile: 'Branch',
    });
    const sub = split.list('network.subnets').find((s) => s.subnet === '10.1.1.0')!;
    sub.site = 'ChicagoWifi';
    const d = decide(split.topology());
    expect(d.bypass).toBe(false);
    expect(d.bypassIds?.client?.source).toContain('ChicagoWifi');
  });
});

describe('b.5 signalling model (policy side)', () => {
  it('b.5#36 outbound bypass: media goes from the client address to the gateway, G.711 only', () => {
    const d = decide(base().topology());
    expect(d.mediaPath).toEqual(['alice', 'gw-por']);
    expect(d.codecs).toEqual({ caller: 'PCMU', callee: 'PCMU' });
  });

  it('b.5#36 outbound relay: the gateway gets the Mediation Server address; the client leg may use RTAudio', () => {
    const d = decide(base().trunk('global', { enableBypass: false }).topology());
    expect(d.mediaPath).toEqual(['alice', 'ms-chi', 'gw-por']);
    expect(d.codecs).toEqual({ caller: 'RTAudio-NB', callee: 'PCMU' });
  });

  it('b.5#37 inbound: the path runs gateway first and the client decides', () => {
    const d = decide(base().calls({ id: 'c1', at: 0, from: 'gw-chi', to: 'alice' }).topology());
    expect(d.kind).toBe('inbound-pstn');
    expect(d.mediaPath).toEqual(['gw-chi', 'ms-chi', 'alice']);
    expect(steps(d, 'b.1#12')[0]?.inputs.decidedBy).toBe('client');
  });
});
