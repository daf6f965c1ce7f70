/**
 * Rules on what decides the calls besides the Skype for Business settings (docs/rules.md c.4,
 * g): the codec figures a scenario sets, the deployment and its contrast, and the Teams Direct
 * Routing side (its SBCs, trusted IPs and cloud relays).
 *
 * This file must not know YAML, zod or source positions, nor how a call is decided.
 */
import { ErrorCodes, networkOf, parseIpv4 } from '../../core/index.js';
import { VIDEO_CODEC_NAMES } from '../enums.js';
import { defineRule } from './rule.js';
import { knownName, listOf } from './shared.js';

const VIDEO: ReadonlySet<string> = new Set(VIDEO_CODEC_NAMES);

/** Each codec figure is set once; a packetization is for audio codecs. */
export const codecFiguresValid = defineRule(
  {
    id: 'codecTable.figures',
    subject: 'scenario',
    checks:
      'A codec of codecTable is listed once, and only an audio codec is given a ptime (a warning: a video codec has none).',
    messages: [
      'codec <codec> is listed twice (codecTable[<index>])',
      'ptime is not used for the video codec <codec>',
    ],
  },
  function codecFiguresValid({ value: s }, ctx) {
    const first = new Map<string, number>();
    s.codecTable.forEach((o, i) => {
      const prev = first.get(o.codec);
      if (prev !== undefined) {
        ctx.error(
          ['codecTable', i, 'codec'],
          ErrorCodes.SCENARIO_DUPLICATE,
          `codec ${o.codec} is listed twice (codecTable[${prev}])`,
        );
      } else {
        first.set(o.codec, i);
      }
      if (o.ptimeMs !== null && VIDEO.has(o.codec)) {
        ctx.warning(
          ['codecTable', i, 'ptime'],
          ErrorCodes.SCENARIO_RULE,
          `ptime is not used for the video codec ${o.codec}`,
        );
      }
    });
  },
);

/** The contrast is another deployment; Teams settings are for a deployment that uses Teams. */
export const deploymentConsistent = defineRule(
  {
    id: 'deployment.contrast',
    subject: 'scenario',
    checks:
      'A contrast deployment differs from the deployment, and teamsDirectRouting is given only when one of them is Teams Direct Routing (warnings).',
    messages: [
      'contrast is the deployment itself: there is nothing to contrast',
      'teamsDirectRouting is not used: neither the deployment nor its contrast is teams-direct-routing',
    ],
  },
  function deploymentConsistent({ value: s }, ctx) {
    const d = s.deployment;
    if (d.contrast !== null && d.contrast === d.kind) {
      ctx.warning(
        ['deployment', 'contrast'],
        ErrorCodes.SCENARIO_RULE,
        'contrast is the deployment itself: there is nothing to contrast',
      );
    }
    const teams = d.kind === 'teams-direct-routing' || d.contrast === 'teams-direct-routing';
    if (!teams && ctx.present(['teamsDirectRouting'])) {
      ctx.warning(
        ['teamsDirectRouting'],
        ErrorCodes.SCENARIO_RULE,
        'teamsDirectRouting is not used: neither the deployment nor its contrast is teams-direct-routing',
      );
    }
  },
);

/** The Teams cloud relays have names of their own, and the trusted IPs are valid ranges. */
export const teamsNamesAndRanges = defineRule(
  {
    id: 'teams.relays-and-ranges',
    subject: 'scenario',
    checks:
      'The Teams Media Processors and Transport Relays have names no host, user or other relay has, and each trusted IP is the first address of a range of 1 to 32 bits.',
    messages: [
      'relay name "<name>" is already used',
      '<ip>/<bits> is not a valid range (the first address, 1 to 32 bits)',
    ],
  },
  function teamsNamesAndRanges({ value: s }, ctx) {
    const t = s.teamsDirectRouting;
    const used = new Set<string>([...ctx.facts.hostNames, ...ctx.facts.userNames]);
    const lists = [
      ['mediaProcessors', t.mediaProcessors],
      ['transportRelays', t.transportRelays],
    ] as const;
    for (const [key, list] of lists) {
      list.forEach((r, i) => {
        if (used.has(r.name) && ctx.present(['teamsDirectRouting', key, i])) {
          ctx.error(
            ['teamsDirectRouting', key, i, 'name'],
            ErrorCodes.SCENARIO_DUPLICATE,
            `relay name "${r.name}" is already used`,
          );
        }
        used.add(r.name);
      });
    }
    t.trustedIps.forEach((r, i) => {
      const ip = parseIpv4(r.ip);
      const valid =
        ip >= 0 && r.maskBits >= 1 && r.maskBits <= 32 && networkOf(ip, r.maskBits) === ip;
      if (!valid) {
        ctx.error(
          ['teamsDirectRouting', 'trustedIps', i],
          ErrorCodes.SCENARIO_RULE,
          `${r.ip}/${r.maskBits} is not a valid range (the first address, 1 to 32 bits)`,
        );
      }
    });
  },
);

/** A Direct Routing SBC is a gateway, configured once, with a known proxy SBC and site. */
export const teamsSbcKnown = defineRule(
  {
    id: 'teams.known-sbc',
    subject: 'teamsSbc',
    checks:
      'A Direct Routing SBC names a gateway of the scenario once, and its proxySbc (another configured SBC) and gatewaySite (a site), when given, exist.',
    messages: [
      'unknown gateway "<name>"',
      'gateway <name> is configured twice (teamsDirectRouting.sbcs[<index>])',
      'proxySbc "<name>" is not another SBC of teamsDirectRouting.sbcs',
      'unknown site "<site>"',
    ],
  },
  function teamsSbcKnown({ value: sbc, path, index }, ctx) {
    const sbcs = ctx.scenario.teamsDirectRouting.sbcs;
    knownName(ctx, [...path, 'gateway'], sbc.gateway, ctx.facts.gatewayNames, 'gateway');
    const prev = sbcs.findIndex((x) => x.gateway === sbc.gateway);
    if (prev >= 0 && prev < index) {
      ctx.error(
        [...path, 'gateway'],
        ErrorCodes.SCENARIO_DUPLICATE,
        `gateway ${sbc.gateway} is configured twice (teamsDirectRouting.sbcs[${prev}])`,
      );
    }
    const proxy = sbc.proxySbc;
    if (proxy !== null && (proxy === sbc.gateway || !sbcs.some((x) => x.gateway === proxy))) {
      ctx.error(
        [...path, 'proxySbc'],
        ErrorCodes.SCENARIO_UNKNOWN_REF,
        `proxySbc "${proxy}" is not another SBC of teamsDirectRouting.sbcs`,
        {
          expected: `one of ${listOf(sbcs.map((x) => x.gateway).filter((g) => g !== sbc.gateway))}`,
        },
      );
    }
    knownName(ctx, [...path, 'gatewaySite'], sbc.gatewaySite, ctx.facts.siteNames, 'site');
  },
);
