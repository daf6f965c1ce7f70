/**
 * Bandwidth in use on each constrained link over the run, against the link's limit, from the
 * Bandwidth Policy Service's reserve and release events; with the calls that held it. Pure
 * string building; knows nothing of the policy engine or of sockets.
 */
import type { ViewLink } from '../topology-view.js';
import type { LedgerEvent } from '../result.js';
import { esc, num } from './text.js';

/** The use of one link and modality over time. */
export interface LinkUse {
  readonly link: string;
  readonly modality: 'audio' | 'video';
  readonly limit: number | null;
  readonly sessionLimit: number | null;
  /** Steps: from time `t` (ms) on, `kbps` are in use. */
  readonly steps: readonly { readonly t: number; readonly kbps: number }[];
  readonly peak: number;
  readonly calls: readonly {
    readonly callId: string;
    readonly kbps: number;
    readonly from: number;
    readonly to: number | null;
  }[];
}

/** One series per link and modality that had a reservation. */
export function linkUses(
  events: readonly LedgerEvent[],
  links: readonly ViewLink[],
  endMs: number,
): LinkUse[] {
  const keys = new Map<string, LedgerEvent[]>();
  for (const e of [...events].sort((a, b) => a.t - b.t)) {
    const k = `${e.link}|${e.modality}`;
    const list = keys.get(k) ?? [];
    list.push(e);
    keys.set(k, list);
  }
  const out: LinkUse[] = [];
  for (const [k, list] of keys) {
    const [linkId = '', modality = 'audio'] = k.split('|');
    const view = links.find((l) => l.id === linkId);
    const limits = modality === 'video' ? view?.video : view?.audio;
    let used = 0;
    let peak = 0;
    const steps = [{ t: 0, kbps: 0 }];
    const calls: { callId: string; kbps: number; from: number; to: number | null }[] = [];
    for (const e of list) {
      used += e.op === 'reserve' ? e.kbps : -e.kbps;
      used = Math.max(0, Math.round(used * 1000) / 1000);
      peak = Math.max(peak, used);
      steps.push({ t: e.t, kbps: used });
      if (e.op === 'reserve') {
        calls.push({ callId: e.callId, kbps: e.kbps, from: e.t, to: null });
      } else {
        const open = calls.find((c) => c.callId === e.callId && c.to === null);
        if (open) {
          open.to = e.t;
        }
      }
    }
    steps.push({ t: Math.max(endMs, steps[steps.length - 1]?.t ?? 0), kbps: used });
    out.push({
      link: linkId,
      modality: modality === 'video' ? 'video' : 'audio',
      limit: limits?.limit ?? null,
      sessionLimit: limits?.sessionLimit ?? null,
      steps,
      peak,
      calls,
    });
  }
  return out.sort((a, b) => a.link.localeCompare(b.link) || a.modality.localeCompare(b.modality));
}

const W = 560;
const H = 160;
const L = 48;
const B = 24;

/** The chart of one link's use as SVG, with the limit drawn across it. */
export function linkUseSvg(u: LinkUse): string {
  const tEnd = Math.max(1, u.steps[u.steps.length - 1]?.t ?? 1);
  const top = Math.max(u.peak, u.limit ?? 0, 1) * 1.12;
  const x = (t: number): number => L + (t / tEnd) * (W - L - 8);
  const y = (k: number): number => H - B - (k / top) * (H - B - 10);
  let d = `M${x(0)},${y(0)}`;
  let prev = 0;
  for (const s of u.steps) {
    d += ` L${x(s.t).toFixed(1)},${y(prev).toFixed(1)} L${x(s.t).toFixed(1)},${y(s.kbps).toFixed(1)}`;
    prev = s.kbps;
  }
  const area = `${d} L${x(tEnd).toFixed(1)},${y(0)} Z`;
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => f * tEnd);
  const out = [
    `<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(`${u.link} ${u.modality} use over time`)}" data-link="${esc(u.link)}" data-modality="${u.modality}">`,
    `<path class="use-area" d="${area}"/>`,
    `<path class="use-line" d="${d}"/>`,
    `<line class="axis" x1="${L}" y1="${H - B}" x2="${W - 8}" y2="${H - B}"/>`,
    `<line class="axis" x1="${L}" y1="10" x2="${L}" y2="${H - B}"/>`,
  ];
  for (const t of ticks) {
    out.push(
      `<text class="tick" x="${x(t).toFixed(1)}" y="${H - 8}" text-anchor="middle">${num(t / 1000)}s</text>`,
    );
  }
  out.push(
    `<text class="tick" x="${L - 4}" y="${y(0) + 4}" text-anchor="end">0</text>`,
    `<text class="tick" x="${L - 4}" y="${y(u.peak) + 4}" text-anchor="end">${num(u.peak)}</text>`,
  );
  if (u.limit !== null) {
    out.push(
      `<line class="limit" x1="${L}" y1="${y(u.limit).toFixed(1)}" x2="${W - 8}" y2="${y(u.limit).toFixed(1)}"/>`,
      `<text class="limit-label" x="${W - 10}" y="${(y(u.limit) - 4).toFixed(1)}" text-anchor="end">limit ${num(u.limit)} kbps</text>`,
    );
  }
  out.push('</svg>');
  return out.join('\n');
}
