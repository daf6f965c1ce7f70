/**
 * Every cmdlet the shell knows, by name (any letter case), and the help text of one.
 *
 * This file must not know how a cmdlet runs nor roles: it only gathers the cmdlets of
 * `collection-cmdlets.ts`, `network-cmdlets.ts` and `voice-cmdlets.ts`.
 */
import { COMMON_PARAMS, type CmdletSpec } from './cmdlet.js';
import { collectionCmdlets } from './collection-cmdlets.js';
import { NETWORK_CONFIGURATION_CMDLETS } from './network-cmdlets.js';
import {
  INTER_SITE_POLICIES,
  MEDIA_CONFIGURATIONS,
  PROFILES,
  REGION_LINKS,
  REGION_ROUTES,
  REGIONS,
  SITES,
  SUBNETS,
  TRUNKS,
} from './objects.js';
import { VOICE_POLICY_CMDLETS, VOICE_ROUTE_CMDLETS } from './voice-cmdlets.js';

/** Every cmdlet, in the order `Get-Command` lists them. */
export const CMDLETS: readonly CmdletSpec[] = [
  ...collectionCmdlets(TRUNKS),
  ...NETWORK_CONFIGURATION_CMDLETS,
  ...collectionCmdlets(REGIONS),
  ...collectionCmdlets(SITES),
  ...collectionCmdlets(SUBNETS),
  ...collectionCmdlets(PROFILES),
  ...collectionCmdlets(REGION_LINKS),
  ...collectionCmdlets(REGION_ROUTES),
  ...collectionCmdlets(INTER_SITE_POLICIES),
  ...VOICE_POLICY_CMDLETS,
  ...VOICE_ROUTE_CMDLETS,
  ...collectionCmdlets(MEDIA_CONFIGURATIONS),
];

const BY_NAME = new Map(CMDLETS.map((c) => [c.name.toLowerCase(), c] as const));

/** The cmdlet with this name (any letter case), or undefined. */
export function findCmdlet(name: string): CmdletSpec | undefined {
  return BY_NAME.get(name.toLowerCase());
}

/** `Get-Help NAME`: the synopsis and the syntax with every parameter. */
export function cmdletHelp(c: CmdletSpec): string[] {
  const syntax = c.params.map((p) => {
    const value = p.type === 'switch' ? '' : ` <${p.values ? p.values.join(' | ') : p.type}>`;
    const named = `-${p.name}${value}`;
    return p.required === true ? named : `[${named}]`;
  });
  const lines = [
    '',
    'NAME',
    `    ${c.name}`,
    '',
    'SYNOPSIS',
    `    ${c.synopsis}`,
    '',
    'SYNTAX',
    `    ${c.name} ${syntax.join(' ')} [<CommonParameters>]`,
    '',
    'PARAMETERS',
    ...c.params.flatMap((p) => [`    -${p.name}`, `        ${p.help}`]),
  ];
  if (c.notModelled.length > 0) {
    lines.push(
      '',
      'ACCEPTED AND IGNORED (they do not change the media path)',
      `    ${c.notModelled.map((n) => `-${n}`).join(' ')}`,
    );
  }
  lines.push(
    '',
    'COMMON PARAMETERS',
    `    ${COMMON_PARAMS.map((p) => `-${p.name}`).join(' ')}`,
    '',
  );
  return lines;
}
