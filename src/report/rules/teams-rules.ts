/**
 * The rules reference's section about the Teams Direct Routing contrast (g): how a deployment
 * without Skype for Business Server decides a call's media path, in the project's own words,
 * with what is inferred marked. Pure data; it knows nothing of the policy code that applies it.
 */
import { rule, type RuleSection } from './rule-types.js';
import { SOURCES as S } from './sources.js';

/** The section about Teams Direct Routing. */
export const TEAMS_RULES: RuleSection = {
  id: 'g',
  title: 'Contrast: Teams Direct Routing',
  intro:
    "A scenario may be decided as a Teams Direct Routing deployment instead of Skype for Business Server (deployment.kind), or both side by side (deployment.contrast). Direct Routing has no Mediation Server, no bypass IDs and no CAC: a per-SBC switch and the client's connectivity decide, and Microsoft's cloud relays keep bypass semantics.",
  entries: [
    rule(
      'g.1',
      'Teams Direct Routing',
      "Under Teams Direct Routing the media path of a PSTN call is decided by the SBC's media bypass switch and the client's connectivity: there are no bypass IDs, no site or region comparison and no call admission control. Gateway channels still apply (simulator).",
      [S.teamsMediaBypass],
      { settings: ['deployment.kind', 'deployment.contrast'] },
    ),
    rule(
      'g.2',
      'SBC media bypass (-MediaBypass)',
      'Each SBC has a media bypass switch (Set-CsOnlinePSTNGateway -MediaBypass, off by default). With it off a Media Processor, a B2BUA in the cloud that can transcode (SILK to G.711), is always in the media path: decision RELAY, path client -> Media Processor -> SBC. With it on, media flows between the client and the SBC: decision BYPASS. A gateway not listed under teamsDirectRouting.sbcs has the switch off.',
      [S.teamsMediaBypass, S.setOnlinePstnGateway],
      {
        settings: [
          'teamsDirectRouting.sbcs[].mediaBypass (-MediaBypass)',
          'teamsDirectRouting.mediaProcessors[]',
        ],
      },
    ),
    rule(
      'g.3',
      'Media Processor forced in',
      'Even with media bypass a Media Processor joins the media path when a 1:1 call escalates to a group call (from the escalation on), or when a call is transferred or forwarded to a user still on Skype for Business (teamsUpgradeMode SfBOnly); a call between a Teams user and such a user goes through it too (interop, inferred). Calls to a federated Teams user and to voice applications (Call Park, Auto Attendant, Call Queues) also bring one in; the simulator does not model them. A transfer to a number hands the call to the SBC (inferred).',
      [S.teamsMediaBypass],
      { settings: ['calls[].escalateAt', 'hosts.clients[].teamsUpgradeMode', 'calls[].transfer'] },
    ),
    rule(
      'g.4',
      'Connectivity (ICE, ICE-lite)',
      'With media bypass the Teams client runs ICE and the SBC ICE-lite. A client inside the network reaches the SBC directly; a client outside reaches its public address through a Transport Relay, which relays without transcoding: the call is still bypassed.',
      [S.teamsMediaBypass],
      { settings: ['hosts.clients[].location', 'teamsDirectRouting.transportRelays[]'] },
    ),
    rule(
      'g.5',
      'Local Media Optimization',
      "With Local Media Optimization (an SBC's -BypassMode) a client is inside when its public address is one of the tenant's trusted IPs (else its location says), and its network site comes from its subnet. Always: every user inside gets the SBC's internal address. OnlyForLocalUsers: only users in the SBC's own site (GatewaySiteId) do; other users inside reach it through its proxy SBC when it has one (else its public address). Users outside get the public address of the proxy SBC, or of the SBC, through a Transport Relay. Some of these paths are inferred from the documented examples.",
      [S.teamsLmo],
      {
        settings: [
          'teamsDirectRouting.sbcs[].bypassMode (-BypassMode)',
          'teamsDirectRouting.sbcs[].proxySbc (-ProxySbc)',
          'teamsDirectRouting.sbcs[].gatewaySite (-GatewaySiteId)',
          'teamsDirectRouting.trustedIps[]',
          'hosts.clients[].publicIp',
        ],
      },
    ),
    rule(
      'g.6',
      'Client to client',
      'A call between two Teams clients needs no SBC: media flows between them, through a Transport Relay when one is outside. Decision DIRECT (inferred from the connectivity rule).',
      [S.teamsMediaBypass],
      { basis: 'inferred' },
    ),
  ],
};
