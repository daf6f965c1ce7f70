/**
 * Normalizing what decides the calls besides the Skype for Business settings: the deployment
 * kind and its contrast (g), the Teams Direct Routing side (SBCs, trusted IPs, the cloud
 * relays, g.2-g.5) and the codec figures a scenario sets instead of the table's (c.4).
 *
 * This file must not know zod, YAML positions or the semantic rules.
 */
import {
  CODEC_NAMES,
  DEFAULT_DEPLOYMENT_KIND,
  DEPLOYMENT_KINDS,
  TEAMS_BYPASS_MODES,
  VIDEO_CODEC_NAMES,
} from './enums.js';
import type {
  CodecOverride,
  Deployment,
  Gateway,
  TeamsDirectRouting,
  TeamsRelay,
  TeamsSbc,
} from './types.js';
import { arr, bool, durationMs, num, obj, pick, str, strOrNull } from './normalize-read.js';

/** The Media Processor a Teams deployment uses when the scenario names none (g.2). */
export const DEFAULT_MEDIA_PROCESSOR: TeamsRelay = {
  kind: 'media-processor',
  name: 'teams-mp',
  ip: '203.0.113.10',
};

/** The Transport Relay a Teams deployment uses when the scenario names none (g.2). */
export const DEFAULT_TRANSPORT_RELAY: TeamsRelay = {
  kind: 'transport-relay',
  name: 'teams-tr',
  ip: '203.0.113.20',
};

/** The deployment kind and the one it is contrasted with (none unless given). */
export function deployment(d: Record<string, unknown>): Deployment {
  const kind = pick(d.kind, DEPLOYMENT_KINDS, DEFAULT_DEPLOYMENT_KIND);
  const contrast = d.contrast === undefined ? null : pick(d.contrast, DEPLOYMENT_KINDS, kind);
  return { kind, contrast };
}

/**
 * The Teams Direct Routing side. A deployment that uses Teams (as its kind or its contrast)
 * and names no Media Processor or Transport Relay gets one of each.
 */
export function teamsDirectRouting(
  t: Record<string, unknown>,
  usesTeams: boolean,
  gateways: readonly Gateway[],
): TeamsDirectRouting {
  const relays = (list: unknown, kind: TeamsRelay['kind'], fallback: TeamsRelay): TeamsRelay[] => {
    const given = arr(list).map((r) => {
      const o = obj(r);
      return { kind, name: str(o.name, ''), ip: str(o.ip, '0.0.0.0') };
    });
    return given.length === 0 && usesTeams ? [fallback] : given;
  };
  return {
    sbcs: arr(t.sbcs).map((s) => teamsSbc(obj(s), gateways)),
    trustedIps: arr(t.trustedIps).map((x) => {
      const o = obj(x);
      return { ip: str(o.ip, '0.0.0.0'), maskBits: num(o.maskBits, 32) };
    }),
    mediaProcessors: relays(t.mediaProcessors, 'media-processor', DEFAULT_MEDIA_PROCESSOR),
    transportRelays: relays(t.transportRelays, 'transport-relay', DEFAULT_TRANSPORT_RELAY),
  };
}

/** A Direct Routing SBC; `-MediaBypass` is off unless given, as for the cmdlet. */
function teamsSbc(o: Record<string, unknown>, gateways: readonly Gateway[]): TeamsSbc {
  const name = str(o.gateway, '');
  const gw = gateways.find((g) => g.name === name);
  return {
    gateway: name,
    mediaBypass: bool(o.mediaBypass, false),
    bypassMode:
      o.bypassMode === undefined ? null : pick(o.bypassMode, TEAMS_BYPASS_MODES, 'Always'),
    proxySbc: strOrNull(o.proxySbc),
    gatewaySite: strOrNull(o.gatewaySite),
    internalIp: str(o.internalIp, gw?.mediaIp ?? '0.0.0.0'),
    publicIp: strOrNull(o.publicIp),
  };
}

const KNOWN_CODECS: ReadonlySet<string> = new Set([...CODEC_NAMES, ...VIDEO_CODEC_NAMES]);

/** The codec figures that replace the table's; entries naming no known codec are dropped. */
export function codecTable(list: unknown): CodecOverride[] {
  return arr(list)
    .map(obj)
    .filter((o) => typeof o.codec === 'string' && KNOWN_CODECS.has(o.codec))
    .map((o) => ({
      codec: o.codec as CodecOverride['codec'],
      kbps: typeof o.kbps === 'number' ? o.kbps : null,
      ptimeMs: o.ptime === undefined ? null : durationMs(o.ptime, 20),
    }));
}
