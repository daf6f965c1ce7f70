/**
 * Media bypass configuration rules (docs/rules.md d.V1-d.V3, d.V9, d.V13, d.V14): the global
 * bypass settings against CAC, manually supplied bypass IDs, and what a trunk with bypass on
 * needs.
 *
 * This file must not know YAML, zod or source positions, nor how the policy decides bypass.
 */
import { ErrorCodes } from '../../core/index.js';
import { defineRule } from './rule.js';
import { isGuid } from './shared.js';

const MEDIA_BYPASS = ['networkConfiguration', 'mediaBypassSettings'];

/** d.V1: AlwaysBypass and CAC cannot be combined. */
export const alwaysBypassWithoutCac = defineRule(
  {
    id: 'd.V1',
    subject: 'scenario',
    checks: 'AlwaysBypass is not used while CAC is enabled.',
    messages: [
      'alwaysBypass cannot be used while CAC is enabled (enableBandwidthPolicyCheck: true)',
    ],
  },
  function alwaysBypassWithoutCac({ value: s }, ctx) {
    const nc = s.networkConfiguration;
    if (nc.mediaBypassSettings.alwaysBypass && nc.enableBandwidthPolicyCheck) {
      ctx.error(
        [...MEDIA_BYPASS, 'alwaysBypass'],
        ErrorCodes.SCENARIO_RULE,
        'alwaysBypass cannot be used while CAC is enabled (enableBandwidthPolicyCheck: true)',
        { expected: 'alwaysBypass: false (site and region mode) with CAC' },
      );
    }
  },
);

/** d.V2: AlwaysBypass means nothing while bypass is off. */
export const alwaysBypassNeedsBypass = defineRule(
  {
    id: 'd.V2',
    subject: 'scenario',
    checks: 'AlwaysBypass is only set while media bypass is enabled (a warning).',
    messages: ['alwaysBypass has no effect while media bypass is not enabled'],
  },
  function alwaysBypassNeedsBypass({ value: s }, ctx) {
    const mb = s.networkConfiguration.mediaBypassSettings;
    if (mb.alwaysBypass && !mb.enabled) {
      ctx.warning(
        [...MEDIA_BYPASS, 'alwaysBypass'],
        ErrorCodes.SCENARIO_RULE,
        'alwaysBypass has no effect while media bypass is not enabled',
      );
    }
  },
);

/** d.V3: EnableDefaultBypassID with CAC is allowed but not recommended. */
export const defaultBypassIdWithCac = defineRule(
  {
    id: 'd.V3',
    subject: 'scenario',
    checks: 'EnableDefaultBypassID is not used while CAC is enabled (a warning).',
    messages: ['enableDefaultBypassId with CAC on is not recommended'],
  },
  function defaultBypassIdWithCac({ value: s }, ctx) {
    const nc = s.networkConfiguration;
    if (nc.mediaBypassSettings.enableDefaultBypassId && nc.enableBandwidthPolicyCheck) {
      ctx.warning(
        [...MEDIA_BYPASS, 'enableDefaultBypassId'],
        ErrorCodes.SCENARIO_RULE,
        'enableDefaultBypassId with CAC on is not recommended',
      );
    }
  },
);

const V9 = {
  id: 'd.V9',
  messages: ['bypassId "<id>" is not a GUID'],
} as const;

/** d.V9 on regions: a manually supplied bypass ID is a GUID. */
export const regionBypassIdIsGuid = defineRule(
  { ...V9, subject: 'region', checks: "A region's manually supplied bypass ID is a GUID." },
  function regionBypassIdIsGuid({ value: r, path }, ctx) {
    if (r.bypassId !== null && !isGuid(r.bypassId)) {
      ctx.error(
        [...path, 'bypassId'],
        ErrorCodes.SCENARIO_RULE,
        `bypassId "${r.bypassId}" is not a GUID`,
        { expected: 'a GUID such as 8c8d9e5f-0a1b-4c2d-9e3f-112233445566' },
      );
    }
  },
);

/** d.V9 on sites: a manually supplied bypass ID is a GUID. */
export const siteBypassIdIsGuid = defineRule(
  { ...V9, subject: 'site', checks: "A site's manually supplied bypass ID is a GUID." },
  function siteBypassIdIsGuid({ value: site, path }, ctx) {
    if (site.bypassId !== null && !isGuid(site.bypassId)) {
      ctx.error(
        [...path, 'bypassId'],
        ErrorCodes.SCENARIO_RULE,
        `bypassId "${site.bypassId}" is not a GUID`,
        { expected: 'a GUID' },
      );
    }
  },
);

/** d.V9 on the global settings: a manually supplied bypass ID is a GUID. */
export const globalBypassIdIsGuid = defineRule(
  {
    ...V9,
    subject: 'scenario',
    checks: 'The manually supplied global bypass ID is a GUID.',
  },
  function globalBypassIdIsGuid({ value: s }, ctx) {
    const id = s.networkConfiguration.mediaBypassSettings.bypassId;
    if (id !== null && !isGuid(id)) {
      ctx.error(
        [...MEDIA_BYPASS, 'bypassId'],
        ErrorCodes.SCENARIO_RULE,
        `bypassId "${id}" is not a GUID`,
        { expected: 'a GUID' },
      );
    }
  },
);

/** d.V13: bypass requires centralized media processing on the trunk. */
export const bypassNeedsConcentratedTopology = defineRule(
  {
    id: 'd.V13',
    subject: 'trunkConfiguration',
    checks: 'A trunk configuration with EnableBypass on has ConcentratedTopology on.',
    messages: ['enableBypass needs concentratedTopology (centralized media processing) on'],
  },
  function bypassNeedsConcentratedTopology({ value: t, path }, ctx) {
    if (t.enableBypass && !t.concentratedTopology) {
      ctx.error(
        [...path, 'concentratedTopology'],
        ErrorCodes.SCENARIO_RULE,
        'enableBypass needs concentratedTopology (centralized media processing) on',
        { expected: 'concentratedTopology: true, or enableBypass: false' },
      );
    }
  },
);

/** d.V14: bypass without REFER support needs both RTCP flags off, or 3pcc REFER. */
export const bypassWithoutReferNeedsRtcpOff = defineRule(
  {
    id: 'd.V14',
    subject: 'trunkConfiguration',
    checks:
      'A trunk configuration with EnableBypass on and EnableReferSupport off has RTCPActiveCalls and RTCPCallsOnHold off, or Enable3pccRefer on.',
    messages: [
      'enableBypass with enableReferSupport off needs rtcpActiveCalls and rtcpCallsOnHold off (or enable3pccRefer)',
    ],
  },
  function bypassWithoutReferNeedsRtcpOff({ value: t, path }, ctx) {
    if (
      t.enableBypass &&
      !t.enableReferSupport &&
      !t.enable3pccRefer &&
      (t.rtcpActiveCalls || t.rtcpCallsOnHold)
    ) {
      ctx.error(
        [...path, 'enableReferSupport'],
        ErrorCodes.SCENARIO_RULE,
        'enableBypass with enableReferSupport off needs rtcpActiveCalls and rtcpCallsOnHold off (or enable3pccRefer)',
      );
    }
  },
);
