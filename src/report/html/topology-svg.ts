/**
 * Draws the laid-out network as inline SVG, and each call's media over it: the decided path as a
 * dashed line, the observed path as arrows per direction (from what the hosts' sockets
 * received), relay hops ringed. One `<g>` per call, hidden until the call is selected. Pure
 * string building; knows nothing of layout algorithms or the rest of the page.
 */
import type { LaidOutBox, LaidOutTopology } from './layout.js';
import { limitsText, nodeId } from './layout.js';
import type { PageCall } from './model.js';
import { esc } from './text.js';

const KIND_LABEL: Readonly<Record<string, string>> = {
  client: 'client',
  'mediation-server': 'Mediation Server',
  'pstn-gateway': 'PSTN gateway',
  'ip-pbx': 'IP-PBX',
  sbc: 'SBC',
  edge: 'A/V Edge',
  voicemail: 'voice mail',
  pstn: 'PSTN',
  'media-processor': 'Teams Media Processor',
  'transport-relay': 'Teams Transport Relay',
};

/** The picture of the network, with a hidden media layer per call. */
export function topologySvg(t: LaidOutTopology, calls: readonly PageCall[]): string {
  const margin = 8;
  const w = Math.ceil(t.width + 2 * margin);
  const h = Math.ceil(t.height + 2 * margin);
  const parts: string[] = [
    `<svg id="topology" class="topology" xmlns="http://www.w3.org/2000/svg" viewBox="${-margin} ${-margin} ${w} ${h}" width="${w}" height="${h}" style="max-width:100%;height:auto" role="img" aria-label="Network topology">`,
    DEFS,
  ];
  for (const b of t.boxes.filter((x) => x.kind !== 'host')) {
    parts.push(groupBox(b));
  }
  for (const e of t.edges) {
    const d = e.points.map((p, i) => `${i === 0 ? 'M' : 'L'}${r(p.x)},${r(p.y)}`).join(' ');
    parts.push(
      `<path class="wan" d="${d}"><title>${esc(e.link ? `${e.link.id}: ${limitsText(e.link)}` : '')}</title></path>`,
    );
    if (e.label) {
      parts.push(
        `<text class="link-label" x="${r(e.label.x)}" y="${r(e.label.y)}">${esc(e.label.text)}</text>`,
      );
    }
  }
  for (const b of t.boxes.filter((x) => x.kind === 'host')) {
    parts.push(hostBox(b));
  }
  const centres = new Map(
    t.boxes.filter((b) => b.kind === 'host').map((b) => [b.id, centre(b)] as const),
  );
  for (const c of calls) {
    parts.push(callLayer(c, centres));
  }
  parts.push('</svg>');
  return parts.join('\n');
}

function groupBox(b: LaidOutBox): string {
  return (
    `<g class="box ${b.kind}"><rect x="${r(b.x)}" y="${r(b.y)}" width="${r(b.width)}" height="${r(b.height)}" rx="6"/>` +
    `<text class="box-label" x="${r(b.x + 10)}" y="${r(b.y + 15)}">${esc(b.label)}</text>` +
    (b.sub
      ? `<text class="box-sub" x="${r(b.x + 10)}" y="${r(b.y + 27)}">${esc(b.sub)}</text>`
      : '') +
    '</g>'
  );
}

function hostBox(b: LaidOutBox): string {
  const kind = b.host?.kind ?? 'client';
  const addresses = b.host?.addresses ?? [];
  const tip = [
    `${b.label} (${KIND_LABEL[kind] ?? kind}${b.host?.external ? ', external' : ''})`,
    b.host?.ips.length ? `scenario IP ${b.host.ips.join(', ')}` : '',
    addresses.length ? `run address ${addresses.join(', ')}` : '',
  ]
    .filter((x) => x !== '')
    .join('\n');
  return (
    `<g class="host ${esc(kind)}" id="${esc(b.id)}" data-host="${esc(b.label)}">` +
    `<title>${esc(tip)}</title>` +
    `<rect x="${r(b.x)}" y="${r(b.y)}" width="${r(b.width)}" height="${r(b.height)}" rx="4"/>` +
    `<text class="host-name" x="${r(b.x + 8)}" y="${r(b.y + 15)}">${esc(b.label)}</text>` +
    `<text class="host-kind" x="${r(b.x + 8)}" y="${r(b.y + 28)}">${esc(`${KIND_LABEL[kind] ?? kind}${b.host?.external ? ', external' : ''}`)}</text>` +
    `<text class="host-ip" x="${r(b.x + 8)}" y="${r(b.y + 42)}">${esc(b.sub)}</text>` +
    '</g>'
  );
}

interface Point {
  readonly x: number;
  readonly y: number;
}

function centre(b: LaidOutBox): Point {
  return { x: b.x + b.width / 2, y: b.y + b.height / 2 };
}

/** A call's media over the network; hidden until selected. */
function callLayer(c: PageCall, centres: ReadonlyMap<string, Point>): string {
  const out: string[] = [`<g class="call-media" data-call="${esc(c.id)}" display="none">`];
  const at = (host: string): Point | undefined => centres.get(nodeId(host));
  out.push(pathLine(c.predictedPath, at, 'decided', 0));
  if (c.observed) {
    const diverged = c.observed.divergences.length > 0;
    const fwd = c.observed.forward;
    const bwd = c.observed.backward;
    for (const [dir, p] of [
      ['forward', fwd],
      ['backward', bwd],
    ] as const) {
      const bad = diverged || !p.complete;
      out.push(
        arrows(
          p.hops,
          at,
          `observed ${dir}${p.complete ? '' : ' incomplete'}${diverged ? ' diverged' : ''}`,
          bad ? 'bad' : dir,
          5,
        ),
      );
    }
    const relays = new Set([...fwd.hops.slice(1, -1), ...bwd.hops.slice(1, -1)]);
    for (const host of relays) {
      const p = at(host);
      if (p) {
        out.push(
          `<circle class="relay-hop" cx="${r(p.x)}" cy="${r(p.y)}" r="25"><title>${esc(host)} relays this call's media</title></circle>`,
        );
      }
    }
  }
  out.push('</g>');
  return out.join('');
}

/** The decided path: one dashed polyline through the hosts' centres. */
function pathLine(
  hops: readonly string[],
  at: (h: string) => Point | undefined,
  cls: string,
  offset: number,
): string {
  const pts = hops.map(at).filter((p): p is Point => p !== undefined);
  if (pts.length < 2) {
    return '';
  }
  const d = pts.map((p, i) => `${i === 0 ? 'M' : 'L'}${r(p.x + offset)},${r(p.y + offset)}`);
  return `<path class="${cls}" d="${d.join(' ')}"><title>decided: ${esc(hops.join(' -> '))}</title></path>`;
}

/** Observed media: one arrow per hop, shifted sideways so the two directions do not overlap. */
function arrows(
  hops: readonly string[],
  at: (h: string) => Point | undefined,
  cls: string,
  marker: 'forward' | 'backward' | 'bad',
  shift: number,
): string {
  const out: string[] = [];
  for (let i = 0; i + 1 < hops.length; i++) {
    const a = at(hops[i] ?? '');
    const b = at(hops[i + 1] ?? '');
    if (!a || !b) {
      continue;
    }
    const dx = b.x - a.x;
    const dy = b.y - a.y;
    const len = Math.hypot(dx, dy) || 1;
    // Perpendicular shift to the right of the direction of travel, and stop short of the box.
    const nx = (-dy / len) * shift;
    const ny = (dx / len) * shift;
    const trim = Math.min(24, len / 3);
    const x1 = a.x + nx + (dx / len) * trim;
    const y1 = a.y + ny + (dy / len) * trim;
    const x2 = b.x + nx - (dx / len) * trim;
    const y2 = b.y + ny - (dy / len) * trim;
    out.push(
      `<path class="arrow ${cls}" marker-end="url(#arrow-${marker})" d="M${r(x1)},${r(y1)} L${r(x2)},${r(y2)}"><title>${esc(`${hops[i] ?? ''} -> ${hops[i + 1] ?? ''}`)}</title></path>`,
    );
  }
  return out.join('');
}

function r(n: number): string {
  return (Math.round(n * 10) / 10).toString();
}

/** Arrowheads, one per colour (a marker does not take the colour of the line it ends). */
const DEFS = `<defs>${(
  [
    ['forward', '#1f6fd1'],
    ['backward', '#0f9d76'],
    ['bad', '#d1342f'],
  ] as const
)
  .map(
    ([id, colour]) =>
      `<marker id="arrow-${id}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="${colour}"/></marker>`,
  )
  .join('')}</defs>`;
