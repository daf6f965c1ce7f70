/**
 * The voice cmdlets: Get/New/Set/Remove-CsVoicePolicy (PSTN re-route, bandwidth policy
 * override, PSTN usages), Get/New/Set/Remove-CsVoiceRoute and Get/Set-CsPstnUsage, over the
 * voice routing that `voice-routing.ts` keeps against the scenario file.
 *
 * This file must not know roles (it asks the call to authorize), validation, or other kinds.
 */
import { ErrorCodes, SimError } from '../core/index.js';
import {
  applyList,
  isListValue,
  parameterError,
  type CmdletCall,
  type CmdletSpec,
  type ListValue,
} from './cmdlet.js';
import { collectionCmdlets, wildcard } from './collection-cmdlets.js';
import {
  parseVoicePolicyIdentity,
  showVoicePolicy,
  type CollectionKind,
  type ConfigView,
} from './objects.js';
import type { ChangeTarget } from './rbac.js';
import { PsObject } from './values.js';
import type { VoiceRoute } from './voice-routing.js';

const GLOBAL_USAGES: ChangeTarget = { scope: 'global', identity: 'PSTN usages (Global)' };

/** A voice policy's scope for RBAC: a site policy is the site's; others are global. */
function policyTarget(id: string): ChangeTarget {
  const identity = showVoicePolicy(id);
  return id.startsWith('site:')
    ? { scope: 'site', site: id.slice(5), identity }
    : { scope: 'global', identity };
}

/** New-CsVoicePolicy and friends. */
export const VOICE_POLICIES: CollectionKind = {
  noun: 'CsVoicePolicy',
  family: 'voice',
  title: 'voice policy',
  path: ['voicePolicies'],
  idKey: 'name',
  idParam: null,
  fields: [
    {
      ps: 'AllowPSTNReRouting',
      key: 'allowPstnReRouting',
      type: 'bool',
      help: 'A call the WAN refuses may be re-routed through the PSTN.',
    },
    {
      ps: 'EnableBWPolicyOverride',
      key: 'enableBWPolicyOverride',
      type: 'bool',
      help: 'Incoming calls are admitted even when the WAN refuses them.',
    },
  ],
  requiredOnNew: [],
  notModelled: [
    'Description',
    'Name',
    'AllowSimulRing',
    'AllowCallForwarding',
    'EnableDelegation',
    'EnableTeamCall',
    'EnableCallTransfer',
    'EnableCallPark',
    'EnableMaliciousCallTracing',
    'EnableVoicemailEscapeTimer',
    'PSTNVoicemailEscapeTimer',
    'PreventPSTNTollBypass',
    'CallForwardingSimulRingUsageType',
    'VoiceDeploymentMode',
    'Tenant',
  ],
  implicitGlobal: true,
  keyOrder: ['name', 'allowPstnReRouting', 'enableBWPolicyOverride', 'pstnUsages', 'routes'],
  parseIdentity: (text) => parseVoicePolicyIdentity(text),
  showIdentity: showVoicePolicy,
  view(v: ConfigView, i: number) {
    const p = v.scenario.voicePolicies[i];
    const name = p?.name ?? 'global';
    return new PsObject('CsVoicePolicy', [
      ['Identity', showVoicePolicy(name)],
      ['PstnUsages', [...(v.voice.policyUsages.get(name) ?? p?.pstnUsages ?? [])]],
      ['AllowPSTNReRouting', p?.allowPstnReRouting ?? true],
      ['EnableBWPolicyOverride', p?.enableBWPolicyOverride ?? false],
    ]);
  },
  target: (id) => policyTarget(id),
};

/** The PSTN usages of a policy being created or changed. */
function writePolicyUsages(call: CmdletCall, id: string): void {
  const value = call.args.get('PstnUsages');
  if (value === undefined) {
    return;
  }
  const list: ListValue = isListValue(value) ? value : { kind: 'replace', items: [] };
  const next = applyList(call.voice.policyUsages.get(id) ?? [], list);
  call.voice.checkUsages(next);
  call.voice.policyUsages.set(id, next);
  call.voice.sync(call.doc, id, { keepEmpty: true });
}

/** Get/New/Set/Remove-CsVoicePolicy. */
export const VOICE_POLICY_CMDLETS: readonly CmdletSpec[] = collectionCmdlets(VOICE_POLICIES, {
  extraParams: [
    {
      name: 'PstnUsages',
      type: 'list',
      help: 'The PSTN usages of the policy (its routes are those of its usages).',
    },
  ],
  afterWrite(call, id) {
    if (!call.voice.policyUsages.has(id)) {
      call.voice.policyUsages.set(id, []);
    }
    writePolicyUsages(call, id);
  },
  afterRemove(call, id) {
    call.voice.policyUsages.delete(id);
  },
});

function routeObject(r: VoiceRoute): PsObject {
  return new PsObject('CsVoiceRoute', [
    ['Identity', r.identity],
    ['NumberPattern', r.numberPattern],
    ['PstnUsages', [...r.usages]],
    ['PstnGatewayList', r.trunks.map((t) => `PstnGateway:${t}`)],
  ]);
}

/** `PstnGateway:gw-por`, `Service:PstnGateway:gw-por` or `gw-por` -> `gw-por`. */
function gatewayName(text: string): string {
  return text
    .trim()
    .replace(/^service:/i, '')
    .replace(/^pstngateway:/i, '');
}

function findRoute(call: CmdletCall, id: string): number {
  return call.voice.routes.findIndex((r) => r.identity.toLowerCase() === id.toLowerCase());
}

/** Re-folds the routes of every policy that has one of these usages. */
function resync(call: CmdletCall, usages: readonly string[]): void {
  for (const p of call.voice.policiesWith(usages)) {
    call.voice.sync(call.doc, p);
  }
}

/** The route a New- or Set- describes, from the arguments and the route it changes. */
function routeFromArgs(call: CmdletCall, id: string, before: VoiceRoute | undefined): VoiceRoute {
  const a = call.args;
  const usages = a.get('PstnUsages');
  const gateways = a.get('PstnGatewayList');
  const route: VoiceRoute = {
    identity: id,
    numberPattern: a.text('NumberPattern') ?? before?.numberPattern ?? '.*',
    usages: isListValue(usages) ? applyList(before?.usages ?? [], usages) : (before?.usages ?? []),
    trunks: isListValue(gateways)
      ? applyList(
          (before?.trunks ?? []).map((t) => `PstnGateway:${t}`),
          gateways,
        ).map(gatewayName)
      : (before?.trunks ?? []),
  };
  try {
    new RegExp(route.numberPattern);
  } catch {
    throw parameterError(
      `-NumberPattern "${route.numberPattern}" is not a valid regular expression.`,
    );
  }
  call.voice.checkUsages(route.usages);
  return route;
}

const ROUTE_PARAMS = [
  { name: 'NumberPattern', type: 'string', help: 'A regular expression on the dialled number.' },
  { name: 'PstnUsages', type: 'list', help: 'The PSTN usages that reach the route.' },
  { name: 'PstnGatewayList', type: 'list', help: 'The gateways, PstnGateway:<name>, in order.' },
] as const;

const ROUTE_IGNORED = ['Description', 'Name', 'Priority', 'SuppressCallerId', 'AlternateCallerId'];

/** Get/New/Set/Remove-CsVoiceRoute and Get/Set-CsPstnUsage. */
export const VOICE_ROUTE_CMDLETS: readonly CmdletSpec[] = [
  {
    name: 'Get-CsVoiceRoute',
    family: 'voice',
    access: 'read',
    changesFile: false,
    synopsis: 'Shows voice routes (those the policies of the file reach, and those created here).',
    params: [
      { name: 'Identity', type: 'string', help: "The route's identity." },
      { name: 'Filter', type: 'string', help: 'Identities matching a wildcard pattern.' },
    ],
    positional: ['Identity'],
    notModelled: [],
    run(call) {
      const id = call.args.text('Identity');
      const filter = call.args.text('Filter');
      const routes = call.voice.routes.filter((r) =>
        typeof id === 'string'
          ? r.identity.toLowerCase() === id.toLowerCase()
          : typeof filter === 'string'
            ? wildcard(filter).test(r.identity)
            : true,
      );
      if (typeof id === 'string' && routes.length === 0) {
        throw new SimError(
          ErrorCodes.ADMIN_IDENTITY,
          `Cannot get voice route "${id}" because it does not exist.`,
        );
      }
      return routes.map(routeObject);
    },
  },
  {
    name: 'New-CsVoiceRoute',
    family: 'voice',
    access: 'write',
    changesFile: true,
    synopsis: 'Creates a voice route; the policies with its usages reach it.',
    params: [
      { name: 'Identity', type: 'string', required: true, help: "The route's identity." },
      ...ROUTE_PARAMS,
    ],
    positional: ['Identity'],
    notModelled: ROUTE_IGNORED,
    run(call) {
      const id = call.args.text('Identity') ?? '';
      call.authorize({ scope: 'global', identity: `voice route ${id}` });
      if (findRoute(call, id) >= 0) {
        throw new SimError(
          ErrorCodes.ADMIN_IDENTITY,
          `Cannot create voice route "${id}" because it already exists.`,
        );
      }
      const route = routeFromArgs(call, id, undefined);
      call.voice.routes.push(route);
      resync(call, route.usages);
      return [];
    },
  },
  {
    name: 'Set-CsVoiceRoute',
    family: 'voice',
    access: 'write',
    changesFile: true,
    synopsis: 'Changes a voice route.',
    params: [
      { name: 'Identity', type: 'string', required: true, help: "The route's identity." },
      ...ROUTE_PARAMS,
    ],
    positional: ['Identity'],
    notModelled: ROUTE_IGNORED,
    run(call) {
      const id = call.args.text('Identity') ?? '';
      call.authorize({ scope: 'global', identity: `voice route ${id}` });
      const i = findRoute(call, id);
      const before = call.voice.routes[i];
      if (before === undefined) {
        throw new SimError(
          ErrorCodes.ADMIN_IDENTITY,
          `Cannot set voice route "${id}" because it does not exist.`,
        );
      }
      const after = routeFromArgs(call, before.identity, before);
      call.voice.routes[i] = after;
      resync(call, [...before.usages, ...after.usages]);
      return [];
    },
  },
  {
    name: 'Remove-CsVoiceRoute',
    family: 'voice',
    access: 'write',
    changesFile: true,
    synopsis: 'Removes a voice route.',
    params: [{ name: 'Identity', type: 'string', required: true, help: "The route's identity." }],
    positional: ['Identity'],
    notModelled: [],
    run(call) {
      const id = call.args.text('Identity') ?? '';
      call.authorize({ scope: 'global', identity: `voice route ${id}` });
      const i = findRoute(call, id);
      const before = call.voice.routes[i];
      if (before === undefined) {
        throw new SimError(
          ErrorCodes.ADMIN_IDENTITY,
          `Cannot remove voice route "${id}" because it does not exist.`,
        );
      }
      call.voice.routes.splice(i, 1);
      resync(call, before.usages);
      return [];
    },
  },
  {
    name: 'Get-CsPstnUsage',
    family: 'voice',
    access: 'read',
    changesFile: false,
    synopsis: 'Shows the global list of PSTN usages.',
    params: [{ name: 'Identity', type: 'string', help: 'Global.' }],
    positional: ['Identity'],
    notModelled: [],
    run(call) {
      return [
        new PsObject('CsPstnUsage', [
          ['Identity', 'Global'],
          ['Usage', [...call.voice.usages]],
        ]),
      ];
    },
  },
  {
    name: 'Set-CsPstnUsage',
    family: 'voice',
    access: 'write',
    changesFile: true,
    synopsis: 'Adds PSTN usages to the global list, or removes unused ones (-Usage @{Add=...}).',
    params: [
      { name: 'Identity', type: 'string', help: 'Global.' },
      {
        name: 'Usage',
        type: 'list',
        required: true,
        help: 'The usages, or @{Add=...; Remove=...}.',
      },
    ],
    positional: ['Identity'],
    notModelled: [],
    run(call) {
      call.authorize(GLOBAL_USAGES);
      const value = call.args.get('Usage');
      if (!isListValue(value)) {
        return [];
      }
      const next = applyList(call.voice.usages, value);
      const lost = call.voice.usages.filter(
        (u) => !next.some((n) => n.toLowerCase() === u.toLowerCase()),
      );
      for (const u of lost) {
        const users = [
          ...call.voice.policiesWith([u]).map((p) => `voice policy ${showVoicePolicy(p)}`),
          ...call.voice.routes
            .filter((r) => r.usages.includes(u))
            .map((r) => `voice route ${r.identity}`),
        ];
        if (users.length > 0) {
          throw new SimError(
            ErrorCodes.ADMIN_REFUSED,
            `The PSTN usage "${u}" is in use (${users.join(', ')}): remove it there first.`,
          );
        }
      }
      call.voice.usages.splice(0, call.voice.usages.length, ...next);
      return [];
    },
  },
];
