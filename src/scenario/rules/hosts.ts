/**
 * Rules on the hosts themselves (docs/rules.md b.0#1): what each names (site, Mediation Server,
 * voice policy), a gateway's number pattern and media termination point, and codecs. Their
 * names and addresses are checked in `names.ts` and `addressing.ts`.
 *
 * This file must not know YAML, zod or source positions, nor how a host behaves in a run.
 */
import { ErrorCodes } from '../../core/index.js';
import { defineRule } from './rule.js';
import { knownName, validPattern } from './shared.js';

/** A Mediation Server's site, when given, is a known site. */
export const mediationServerSiteKnown = defineRule(
  {
    id: 'mediationServers.known-site',
    subject: 'mediationServer',
    checks: "A Mediation Server's site, when given, is a site of the scenario.",
    messages: ['unknown site "<site>"'],
  },
  function mediationServerSiteKnown({ value: m, path }, ctx) {
    knownName(ctx, [...path, 'site'], m.site, ctx.facts.siteNames, 'site');
  },
);

/** b.0 #1: a gateway's trunk is associated with a Mediation Server of the scenario. */
export const gatewayMediationServerKnown = defineRule(
  {
    id: 'b.0#1',
    subject: 'gateway',
    checks: "A gateway's Mediation Server is a Mediation Server of the scenario.",
    messages: ['unknown Mediation Server "<name>"'],
  },
  function gatewayMediationServerKnown({ value: g, path }, ctx) {
    knownName(
      ctx,
      [...path, 'mediationServer'],
      g.mediationServer,
      ctx.facts.mediationServerNames,
      'Mediation Server',
    );
  },
);

/** A gateway's numbers are a regular expression. */
export const gatewayNumbersValid = defineRule(
  {
    id: 'gateways.numbers-pattern',
    subject: 'gateway',
    checks: "A gateway's numbers, when given, are a regular expression.",
    messages: ['"<pattern>" is not a valid regular expression'],
  },
  function gatewayNumbersValid({ value: g, path }, ctx) {
    if (g.numbers !== null) {
      validPattern(ctx, [...path, 'numbers'], g.numbers);
    }
  },
);

/** mediaTerminationPoint is a property of an IP-PBX only. */
export const gatewayMediaTerminationPoint = defineRule(
  {
    id: 'gateways.media-termination-point',
    subject: 'gateway',
    checks: 'Only an ip-pbx gateway sets mediaTerminationPoint (a warning).',
    messages: ['mediaTerminationPoint only applies to an ip-pbx'],
  },
  function gatewayMediaTerminationPoint({ value: g, path }, ctx) {
    if (g.kind !== 'ip-pbx' && ctx.present([...path, 'mediaTerminationPoint'])) {
      ctx.warning(
        [...path, 'mediaTerminationPoint'],
        ErrorCodes.SCENARIO_RULE,
        'mediaTerminationPoint only applies to an ip-pbx',
      );
    }
  },
);

/** A gateway offers at least one codec. */
export const gatewayHasCodecs = defineRule(
  {
    id: 'gateways.codecs',
    subject: 'gateway',
    checks: 'A gateway offers at least one codec.',
    messages: ['a gateway needs at least one codec'],
  },
  function gatewayHasCodecs({ value: g, path }, ctx) {
    if (g.codecs.length === 0) {
      ctx.error(
        [...path, 'codecs'],
        ErrorCodes.SCENARIO_RULE,
        'a gateway needs at least one codec',
        {
          expected: 'PCMU or PCMA',
        },
      );
    }
  },
);

/** A client's voice policy, when given, is a known policy. */
export const clientVoicePolicyKnown = defineRule(
  {
    id: 'clients.known-voice-policy',
    subject: 'client',
    checks: "A client's voice policy, when given, is a voice policy of the scenario.",
    messages: ['unknown voice policy "<name>"'],
  },
  function clientVoicePolicyKnown({ value: c, path }, ctx) {
    const given = ctx.present([...path, 'voicePolicy']);
    knownName(
      ctx,
      [...path, 'voicePolicy'],
      given ? c.voicePolicy : null,
      ctx.facts.voicePolicyNames,
      'voice policy',
    );
  },
);

/** A client offers at least one codec. */
export const clientHasCodecs = defineRule(
  {
    id: 'clients.codecs',
    subject: 'client',
    checks: 'A client offers at least one codec.',
    messages: ['a client needs at least one codec'],
  },
  function clientHasCodecs({ value: c, path }, ctx) {
    if (c.codecs.length === 0) {
      ctx.error([...path, 'codecs'], ErrorCodes.SCENARIO_RULE, 'a client needs at least one codec');
    }
  },
);

/** An Edge's site, when given, is a known site. */
export const edgeSiteKnown = defineRule(
  {
    id: 'edges.known-site',
    subject: 'edge',
    checks: "An A/V Edge's site, when given, is a site of the scenario.",
    messages: ['unknown site "<site>"'],
  },
  function edgeSiteKnown({ value: e, path }, ctx) {
    knownName(ctx, [...path, 'site'], e.site, ctx.facts.siteNames, 'site');
  },
);
