/**
 * The trunk configuration a gateway's calls get (docs/rules.md b.0 #2), as the rules about a
 * call's or a gateway's trunk behaviour need it: the gateway's own scope, else the site of its
 * Mediation Server, else global. It repeats the policy's lookup so that validation can warn
 * early.
 *
 * This file must not know YAML, zod or source positions, nor how a call is decided.
 */
import type { Gateway, TrunkConfiguration } from '../types.js';
import { mappedSiteOf } from './addressing.js';
import type { RuleContext } from './rule.js';

/** The effective trunk configuration of a gateway, or undefined when none applies. */
export function trunkOf(ctx: RuleContext, gw: Gateway): TrunkConfiguration | undefined {
  const s = ctx.scenario;
  const list = s.trunkConfigurations;
  const ms = s.hosts.mediationServers.find((m) => m.name === gw.mediationServer);
  const site = ms ? (ms.site ?? mappedSiteOf(s, ctx.facts, ms.clientIp)) : null;
  return (
    list.find((t) => t.scope === `pstnGateway:${gw.name}`) ??
    (site !== null ? list.find((t) => t.scope === `site:${site}`) : undefined) ??
    list.find((t) => t.scope === 'global')
  );
}
