/**
 * Uniqueness rules: the names of the network objects within their kind, and the names and
 * addresses of hosts across every kind of host. (Call ids are in `calls.ts`, trunk scopes in
 * `trunks.ts`.)
 *
 * This file must not know YAML, zod or source positions.
 */
import { ErrorCodes } from '../../core/index.js';
import { defineRule, hostAddresses, type RuleContext } from './rule.js';
import { elementAt } from './shared.js';

/** Network objects and voice policies have names unique within their kind. */
export const uniqueNames = defineRule(
  {
    id: 'names.unique',
    subject: 'scenario',
    checks:
      'Regions, sites, bandwidth policy profiles, region links, region routes, inter-site policies and voice policies each have a name no other of their kind has.',
    messages: ['<kind> "<name>" is defined twice (first at <list>[<index>])'],
  },
  function uniqueNames({ value: s }, ctx) {
    const n = s.network;
    unique(ctx, n.regions, ['network', 'regions'], 'region');
    unique(ctx, n.sites, ['network', 'sites'], 'site');
    unique(ctx, n.bwPolicyProfiles, ['network', 'bwPolicyProfiles'], 'bandwidth policy profile');
    unique(ctx, n.regionLinks, ['network', 'regionLinks'], 'region link');
    unique(ctx, n.regionRoutes, ['network', 'regionRoutes'], 'region route');
    unique(ctx, n.interSitePolicies, ['network', 'interSitePolicies'], 'inter-site policy');
    // The global policy the normalizer adds is not the file's: it cannot be a duplicate.
    unique(
      ctx,
      s.voicePolicies.filter((v) => v.name !== 'global' || ctx.present(['voicePolicies'])),
      ['voicePolicies'],
      'voice policy',
    );
  },
);

function unique(
  ctx: RuleContext,
  list: readonly { readonly name: string }[],
  path: readonly string[],
  what: string,
): void {
  const first = new Map<string, number>();
  list.forEach((item, i) => {
    const prev = first.get(item.name);
    if (prev !== undefined) {
      ctx.error(
        [...path, i, 'name'],
        ErrorCodes.SCENARIO_DUPLICATE,
        `${what} "${item.name}" is defined twice (first at ${path.join('.')}[${prev}])`,
      );
    } else {
      first.set(item.name, i);
    }
  });
}

/** Every host has a name of its own, across all kinds of host (one SIP namespace). */
export const uniqueHostNames = defineRule(
  {
    id: 'hosts.unique-name',
    subject: 'host',
    checks: 'No two hosts, of whatever kind, have the same name.',
    messages: ['host name "<name>" is used twice'],
  },
  function uniqueHostNames(host, ctx) {
    if (ctx.facts.earlierHostWithName[host.order] !== undefined) {
      ctx.error(
        [...host.path, 'name'],
        ErrorCodes.SCENARIO_DUPLICATE,
        `host name "${host.value.name}" is used twice`,
        { expected: 'a host name unique across all host kinds' },
      );
    }
  },
);

/** No address belongs to two hosts; a Mediation Server may use one address for both sides. */
export const uniqueHostAddresses = defineRule(
  {
    id: 'hosts.unique-address',
    subject: 'host',
    checks:
      'No address is used by two hosts (the two interfaces of one Mediation Server may share one).',
    messages: ['address <ip> is already used by host "<name>"'],
  },
  function uniqueHostAddresses(host, ctx) {
    const usedBy = elementAt(ctx.facts.addressUsedBy, host.order, 'host');
    hostAddresses(host.value).forEach(({ field, ip }, j) => {
      const other = usedBy[j];
      if (other !== undefined && other !== host.value.name) {
        ctx.error(
          [...host.path, field],
          ErrorCodes.SCENARIO_DUPLICATE,
          `address ${ip} is already used by host "${other}"`,
        );
      }
    });
  },
);
