/**
 * The self-contained HTML report: one file with inline CSS, SVG and a small script, no fetch
 * of anything when opened. Drawn from a saved result (run or explain) alone: the network with
 * each call's decided and observed media, the calls, per call its SIP ladder, rule trace (each
 * rule linked to the rules reference at the end of the page), streams and reservations, the
 * links' configured and measured impairments, the gateways' up/down history and the hosts a run
 * lost, and each constrained link's use over time. Knows nothing of sockets or of how the
 * result was made.
 */
import { forkingText, rtcpText, streamText, teamsText, transferText } from '../call-details.js';
import { observedEscalationText } from '../observed-escalation.js';
import { observedForkingText } from '../observed-forking.js';
import { ruleAnchor, ruleEntry, RULE_BOOK, type RuleEntry } from '../rule-book.js';
import { linkUses, linkUseSvg } from './bandwidth-chart.js';
import { healthSection } from './health-section.js';
import { buildLadder, ladderSvg } from './ladder.js';
import { layoutTopology } from './layout.js';
import type { TraceStep } from '../../policy/index.js';
import type { PageCall, PageModel } from './model.js';
import { esc, num } from './text.js';
import { topologySvg } from './topology-svg.js';
import { PAGE_CSS, PAGE_SCRIPT } from './assets.js';

/** Renders the page. */
export async function renderPage(m: PageModel): Promise<string> {
  const layout = await layoutTopology(m.topology);
  const hostOf = addressOwner(m);
  const usedRules = new Set(
    m.calls.flatMap((c) =>
      [...c.trace, ...(c.afterTransfer?.trace ?? []), ...(c.contrast?.trace ?? [])].map(
        (s) => s.rule,
      ),
    ),
  );
  const body: string[] = [
    header(m),
    `<section id="network"><h2>Network and media paths</h2>${legend(m)}<div class="scroll">${topologySvg(layout, m.calls)}</div></section>`,
    callsTable(m),
    versionsSection(m),
    '<section id="detail" aria-live="polite"><p class="hint">Select a call above to see its media on the network, its SIP ladder and its rule trace.</p></section>',
    ...m.calls.map((c, i) => callTemplate(c, i, m, hostOf)),
    linksSection(m),
    healthSection(m),
    bandwidthSection(m),
    rulesSection(usedRules),
    `<footer>mediapath report, generated ${esc(m.generatedAt)} from a ${m.kind} result.</footer>`,
  ];
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${esc(m.title)}: mediapath report</title>`,
    `<style>${PAGE_CSS}</style>`,
    '</head>',
    '<body>',
    ...body,
    `<script>${PAGE_SCRIPT}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

/** The host that owns an address of the run (loopback or scenario IP), for SDP addresses. */
function addressOwner(m: PageModel): (address: string) => string | null {
  const owners = new Map<string, string>();
  for (const h of m.topology.hosts) {
    for (const a of [...h.addresses, ...h.ips]) {
      if (!owners.has(a)) {
        owners.set(a, h.name);
      }
    }
  }
  return (a) => owners.get(a) ?? null;
}

function header(m: PageModel): string {
  const counts = new Map<string, number>();
  for (const c of m.calls) {
    counts.set(c.decision, (counts.get(c.decision) ?? 0) + 1);
  }
  const withExpect = m.calls.filter((c) => c.hasExpectation).length;
  const failed = m.calls.filter((c) => c.expectationFailures.length > 0).length;
  const what =
    m.kind === 'run'
      ? `live run (${esc(m.mode)}), ${num(m.durationMs / 1000)} s`
      : 'decisions only (explain: no packets were sent)';
  const expectations = m.aborted
    ? '<span class="bad">Interrupted: expectations were not evaluated.</span>'
    : withExpect === 0
      ? 'No expectations.'
      : failed === 0
        ? `<span class="good">All ${withExpect} expectations met.</span>`
        : `<span class="bad">${failed} of ${withExpect} expectations failed.</span>`;
  return `<header><h1>${esc(m.title)}</h1><p class="meta">${esc(m.source)} · ${what} · ${plural(m.calls.length, 'call')}: ${[
    ...counts,
  ]
    .map(([d, n]) => `${n} <span class="decision ${decisionClass(d)}">${esc(d)}</span>`)
    .join(', ')}. ${expectations}</p>${
    m.aborted
      ? '<p class="banner bad">This run was interrupted: calls that had not ended are reported as cancelled.</p>'
      : ''
  }</header>`;
}

function legend(m: PageModel): string {
  const live = m.kind === 'run';
  return `<p class="legend"><span class="key decided"></span> decided media path${
    live
      ? ' · <span class="key forward"></span> observed, caller to callee · <span class="key backward"></span> observed, callee to caller · <span class="key bad"></span> one-way, missing or diverging · <span class="key relay"></span> relay hop'
      : ''
  } · <span class="key wan"></span> WAN link (limits audio/video, total/per session)</p>`;
}

function pathText(hops: readonly string[]): string {
  return hops.length ? hops.join(' -> ') : 'none';
}

/** The observed path as the terminal table prints it. */
export function observedText(c: PageCall): string {
  const o = c.observed;
  if (!o) {
    return '';
  }
  if (o.media === 'none') {
    return c.decision === 'REJECTED' ? `none (SIP ${c.finalStatus ?? '?'})` : 'none';
  }
  return o.forward.complete ? pathText(o.forward.hops) : `${pathText(o.backward.hops)} (one way)`;
}

function callsTable(m: PageModel): string {
  const live = m.kind === 'run';
  // A live run with a contrast pass: the second pass's decision and observed path beside.
  const second = m.calls.find((c) => c.contrast?.observed)?.contrast?.deployment ?? null;
  const head = [
    '#',
    'call',
    'from → to',
    'decision',
    'decided path',
    ...(live ? ['observed path', 'pkts →', 'pkts ←', 'loss', 'jitter', 'end'] : ['SIP']),
    ...(second === null ? [] : [`under ${esc(second)} (observed)`]),
    '',
  ];
  const rows = m.calls.map((c, i) => {
    const o = c.observed;
    const fwd = o?.forward.complete ? o.forward.last?.packets : undefined;
    const bwd = o?.backward.complete ? o.backward.last?.packets : undefined;
    const jitter = Math.max(o?.forward.last?.jitterMs ?? 0, o?.backward.last?.jitterMs ?? 0);
    const flagged = (o?.divergences.length ?? 0) > 0 || c.expectationFailures.length > 0;
    const cells = [
      String(i + 1),
      `<button type="button" class="select" data-call="${esc(c.id)}" data-index="${i}">${esc(c.id)}</button>`,
      `${esc(c.from)} → ${esc(c.to)}`,
      `<span class="decision ${decisionClass(c.decision)}">${esc(c.decision)}</span>`,
      esc(pathText(c.predictedPath)),
      ...(live
        ? [
            `<span class="observed${flagged ? ' flagged' : ''}">${esc(observedText(c))}</span>`,
            fwd === undefined ? '-' : String(fwd),
            bwd === undefined ? '-' : String(bwd),
            !o || o.media === 'none' ? '-' : `${o.lossPercent.toFixed(1)}%`,
            !o || o.media === 'none' ? '-' : `${jitter.toFixed(1)} ms`,
            esc(`${c.state ?? '?'}${c.finalStatus !== null ? ` ${c.finalStatus}` : ''}`),
          ]
        : [c.finalStatus !== null ? String(c.finalStatus) : '-']),
      ...(second === null ? [] : [contrastCell(c)]),
      flagged ? '<span class="flag" title="divergence or failed expectation">!</span>' : '',
    ];
    return `<tr data-call="${esc(c.id)}"${flagged ? ' class="flagged"' : ''}>${cells.map((x) => `<td>${x}</td>`).join('')}</tr>`;
  });
  return `<section id="calls"><h2>Calls</h2><div class="scroll"><table class="calls"><thead><tr>${head
    .map((h) => `<th>${h}</th>`)
    .join('')}</tr></thead><tbody>${rows.join('')}</tbody></table></div></section>`;
}

/** The call's decision and observed path in the contrast pass of a live run. */
function contrastCell(c: PageCall): string {
  const k = c.contrast;
  if (!k?.observed) {
    return '-';
  }
  return `<span class="decision ${decisionClass(k.decision)}">${esc(k.decision)}</span> <span class="contrast-path">${esc(pathText(k.observed))}</span>`;
}

/** A live lab's configuration versions, each with the calls decided under it. */
function versionsSection(m: PageModel): string {
  if (m.versions.length === 0) {
    return '';
  }
  const rows = m.versions.map((v) => {
    const calls = m.calls.filter((c) => c.configVersion === v.version).map((c) => c.id);
    const what =
      v.source === 'hand' || v.source === 'start'
        ? { hand: 'written by hand', start: 'the file the lab started with' }[v.source]
        : `${v.source}${v.role ? ` as ${v.role}` : ''}: ${v.statements.join('; ')}`;
    const when = v.inForceAt === null ? 'not in force' : `${num(v.inForceAt, 1)} s`;
    return `<tr><td>${esc(v.version)}</td><td>${when}</td><td>${esc(v.sha256.slice(0, 8))}</td><td>${esc(what)}</td><td>${esc(calls.join(', ') || 'none')}</td></tr>`;
  });
  return `<section id="versions"><h2>Configuration versions</h2><div class="scroll"><table><thead><tr><th>version</th><th>in force from</th><th>sha-256</th><th>made by</th><th>calls decided under it</th></tr></thead><tbody>${rows.join('')}</tbody></table></div></section>`;
}

function callTemplate(
  c: PageCall,
  i: number,
  m: PageModel,
  hostOf: (a: string) => string | null,
): string {
  const parts: string[] = [
    `<h2>Call ${i + 1}: ${esc(c.id)} <span class="decision ${decisionClass(c.decision)}">${esc(c.decision)}</span></h2>`,
    `<p>${esc(c.from)} → ${esc(c.to)} (${esc(c.kind)}${c.trunk ? `, trunk ${esc(c.trunk)}` : ''}), at ${num(c.at, 3)} s${
      c.configVersion ? `, decided under configuration ${esc(c.configVersion)}` : ''
    }.</p>`,
    `<p class="reason"><b>Why:</b> ${esc(c.reason)}</p>`,
    `<p><b>Decided path:</b> <span class="decided-path">${esc(pathText(c.predictedPath))}</span>${
      c.observed
        ? `<br><b>Observed path:</b> <span class="observed-path">${esc(observedText(c))}</span>` +
          ` (back: <span class="observed-back">${esc(pathText(c.observed.backward.hops))}</span>)` +
          `<br><b>Media:</b> ${esc(c.observed.media)}, loss ${c.observed.lossPercent.toFixed(1)}%` +
          `<br><b>End:</b> ${esc(c.state ?? '?')}${c.finalStatus !== null ? `, SIP ${c.finalStatus} ${esc(c.finalReason ?? '')}` : ''}`
        : ''
    }</p>`,
  ];
  const notes = [
    ...c.warnings.map((w) => `<li class="warn">warning: ${esc(w)}</li>`),
    ...(c.observed?.divergences ?? []).map(
      (d) => `<li class="bad">${esc(d.kind)}: ${esc(d.detail)}</li>`,
    ),
    ...c.expectationFailures.map(
      (f) =>
        `<li class="bad">expected ${esc(f.field)} ${esc(f.expected)}, got ${esc(f.actual)}</li>`,
    ),
  ];
  if (notes.length) {
    parts.push(`<ul class="notes">${notes.join('')}</ul>`);
  }
  if (c.sip.length > 0) {
    const ladder = buildLadder(c, hostOf);
    parts.push(
      '<h3>SIP ladder</h3><p class="hint">Click a message for its full text.</p>',
      `<div class="scroll">${ladderSvg(i, ladder, c.decision)}</div>`,
      `<pre class="sip-text" hidden></pre>`,
      ...ladder.messages.map(
        (msg, k) => `<pre class="sip-message" data-msg="${i}-${k}" hidden>${esc(msg.text)}</pre>`,
      ),
    );
  } else if (m.kind === 'run') {
    parts.push('<p class="hint">No SIP message was logged for this call.</p>');
  }
  if (c.received.length > 0 || c.drops.length > 0) {
    parts.push(streamsTable(c));
  }
  if (c.escalationObserved) {
    const text = observedEscalationText(c.escalationObserved);
    parts.push(`<h3>Escalation (on the wire)</h3><p>${esc(text)}</p>`);
  }
  if (c.forkingObserved) {
    const text = observedForkingText(c.forkingObserved, c.kind === 'inbound-pstn');
    parts.push(`<h3>Endpoints (on the wire)</h3><p>${esc(text)}</p>`);
  }
  if (c.reservations.length > 0) {
    parts.push(
      `<h3>Reserved bandwidth</h3><ul>${c.reservations
        .map(
          (r) =>
            `<li>${esc(r.link)} ${esc(r.modality)} ${num(r.kbps)} kbps${r.codec ? ` (${esc(r.codec)})` : ''}</li>`,
        )
        .join('')}</ul>`,
    );
  }
  parts.push(...planSections(c));
  parts.push(traceList(c.trace, 'Rule trace', 'call'));
  if (c.afterTransfer) {
    parts.push(traceList(c.afterTransfer.trace, 'Rule trace after the transfer', 'transfer'));
  }
  if (c.contrast) {
    parts.push(
      traceList(c.contrast.trace, `Rule trace under ${c.contrast.deployment}`, 'contrast'),
    );
  }
  return `<template id="call-${i}" data-call="${esc(c.id)}">${parts.join('\n')}</template>`;
}

/**
 * What the decision asks of the live run beyond the path: the endpoints a call to a user rings,
 * the planned streams, the Teams relays, RTCP supervision, a transfer, and the contrast.
 */
function planSections(c: PageCall): string[] {
  const out: string[] = [];
  const items = [
    [
      'Endpoints',
      forkingText({ forking: c.forking, kind: c.kind as PageCallKind, trunk: c.trunk }),
    ],
    ['Teams relays', teamsText({ teams: c.teams })],
    ['RTCP', rtcpText({ rtcp: c.rtcp })],
  ] as const;
  for (const [title, text] of items) {
    if (text !== null) {
      out.push(`<h3>${title}</h3><p>${esc(text)}</p>`);
    }
  }
  if (c.streams.length > 0) {
    out.push(
      `<h3>Planned streams</h3><ul class="plan">${c.streams.map((x) => `<li>${esc(streamText(x))}</li>`).join('')}</ul>`,
    );
  }
  const transfer = transferText({ transfer: c.transfer });
  if (transfer !== null) {
    const after = c.afterTransfer;
    out.push(
      `<h3>Transfer</h3><p>${esc(transfer)}${
        after
          ? `<br><b>After:</b> <span class="decision ${decisionClass(after.decision)}">${esc(after.decision)}</span> ${esc(pathText(after.mediaPath))}: ${esc(after.reason)}${
              after.observedAfter
                ? `<br><b>Observed after:</b> ${esc(after.observedAfter.path)} (${esc(after.observedAfter.state)})`
                : ''
            }`
          : ''
      }</p>`,
    );
  }
  if (c.contrast) {
    const k = c.contrast;
    out.push(
      `<h3>Under ${esc(k.deployment)}</h3><p><span class="decision ${decisionClass(k.decision)}">${esc(k.decision)}</span> ${esc(pathText(k.mediaPath))}: ${esc(k.reason)}${
        k.observed
          ? `<br><b>Observed in the second pass:</b> <span class="contrast-path">${esc(pathText(k.observed))}</span> (media ${esc(k.media ?? '?')})${
              k.escalation ? `<br>${esc(observedEscalationText(k.escalation))}` : ''
            }`
          : ''
      }</p>`,
    );
  }
  return out;
}

type PageCallKind = Parameters<typeof forkingText>[0]['kind'];

function streamsTable(c: PageCall): string {
  // Audio first, then the video streams of a video call; a relay does not see payload types.
  const received = [...c.received].sort(
    (a, b) => Number(a.modality === 'video') - Number(b.modality === 'video'),
  );
  const rows = received.map(
    (s) =>
      `<tr><td>${esc(s.source ?? '?')}</td><td>${esc(s.receiver)}</td><td>${esc(s.modality ?? 'audio')}</td><td>${esc(s.sourceAddress)}</td><td>${s.packets}</td><td>${
        s.payloadType == null ? '-' : `${s.payloadType} / ${s.payloadBytes ?? '?'} B`
      }</td><td>${s.kbps == null ? '-' : num(s.kbps, 1)}</td><td>${s.lost}</td><td>${num(s.jitterMs, 2)} ms</td><td>${
        s.latencyP50Ms === null
          ? '-'
          : `${num(s.latencyP50Ms, 2)} / ${num(s.latencyP99Ms ?? 0, 2)} ms`
      }</td></tr>`,
  );
  const drops = c.drops.map(
    (d) =>
      `<tr class="bad"><td>${esc(d.source ?? '?')}</td><td>${esc(d.host)}</td><td colspan="8">dropped ${d.packets}: ${esc(d.reason)}</td></tr>`,
  );
  return `<h3>Streams (what each host received)</h3><table class="streams"><thead><tr><th>from</th><th>to</th><th>kind</th><th>source address</th><th>packets</th><th>payload type / size</th><th>kbps</th><th>lost</th><th>jitter</th><th>latency p50 / p99</th></tr></thead><tbody>${[
    ...rows,
    ...drops,
  ].join('')}</tbody></table>`;
}

function traceList(
  trace: readonly TraceStep[],
  title: string,
  of: 'call' | 'transfer' | 'contrast',
): string {
  if (trace.length === 0) {
    return '';
  }
  const items = trace.map((s) => {
    const known = ruleEntry(s.rule) !== undefined;
    const id = known
      ? `<a class="rule" href="#${ruleAnchor(s.rule)}">${esc(s.rule)}</a>`
      : `<span class="rule">${esc(s.rule)}</span>`;
    return `<li class="${s.verdict}">${id} <span class="verdict">${s.verdict === 'fail' ? 'FAIL' : s.verdict}</span> <b>${esc(s.title)}</b>: ${esc(s.detail)}</li>`;
  });
  return `<h3>${esc(title)}</h3><ol class="trace" data-of="${of}">${items.join('')}</ol>`;
}

function linksSection(m: PageModel): string {
  if (m.links.length === 0) {
    return '';
  }
  const rows = m.links.map((l) => {
    const c = l.configured;
    const x = l.measured;
    const lost = x.droppedRandom + x.droppedBurst + x.droppedQueue;
    return `<tr><td>${esc(l.name)}</td><td>${num(c.delayMs)} ms ± ${num(c.jitterMs)}</td><td>${
      x.offered ? `${num(x.delayMeanMs, 2)} ms (sd ${num(x.delayStdMs, 2)})` : '-'
    }</td><td>${num(c.lossPercent)}%${c.burst ? ' + bursts' : ''}</td><td>${
      x.offered ? `${num((lost / x.offered) * 100, 2)}% of ${x.offered}` : 'no traffic'
    }</td><td>${c.rateKbps === null ? '-' : `${c.rateKbps} kbps, queue ${c.queueMs} ms`}</td><td>${x.droppedQueue}</td></tr>`;
  });
  return `<section id="links"><h2>Links: configured and measured</h2><table><thead><tr><th>link, direction</th><th>delay set</th><th>delay measured</th><th>loss set</th><th>loss measured</th><th>rate</th><th>queue drops</th></tr></thead><tbody>${rows.join('')}</tbody></table></section>`;
}

function bandwidthSection(m: PageModel): string {
  const end = m.kind === 'run' ? m.durationMs : Math.max(0, ...m.ledger.map((e) => e.t));
  const uses = linkUses(m.ledger, m.topology.links, end);
  if (uses.length === 0) {
    return '<section id="bandwidth"><h2>Bandwidth on constrained links</h2><p class="hint">No call reserved bandwidth on a constrained link.</p></section>';
  }
  const blocks = uses.map(
    (u) =>
      `<div class="link-use"><h3>${esc(u.link)} ${u.modality}: peak ${num(u.peak)}${
        u.limit !== null ? ` of ${num(u.limit)}` : ''
      } kbps${u.sessionLimit !== null ? `, ${num(u.sessionLimit)} per session` : ''}</h3>${linkUseSvg(u)}<p class="held">Held by: ${u.calls
        .map(
          (c) =>
            `${esc(c.callId)} ${num(c.kbps)} kbps (${num(c.from / 1000)}–${c.to === null ? 'end' : num(c.to / 1000)} s)`,
        )
        .join('; ')}</p></div>`,
  );
  return `<section id="bandwidth"><h2>Bandwidth on constrained links</h2>${blocks.join('')}</section>`;
}

function rulesSection(used: ReadonlySet<string>): string {
  const entries: RuleEntry[] = RULE_BOOK.flatMap((s) => s.entries).filter((e) => used.has(e.id));
  if (entries.length === 0) {
    return '';
  }
  return `<section id="rules"><h2>Rules used in this report</h2><dl>${entries
    .map(
      (e) =>
        `<dt id="${ruleAnchor(e.id)}"><code>${esc(e.id)}</code> ${esc(e.title)}</dt><dd>${esc(e.statement)}${
          e.basis === 'documented' ? '' : ` <i>(${e.basis})</i>`
        }${
          e.sources.length
            ? `<br><small>Sources: ${e.sources.map((s) => `${esc(s.title)} (${esc(s.url)})`).join('; ')}</small>`
            : ''
        }</dd>`,
    )
    .join('')}</dl><p class="hint">The whole reference is docs/rules.md.</p></section>`;
}

function decisionClass(d: string): string {
  return d === 'BYPASS'
    ? 'd-bypass'
    : d === 'REJECTED'
      ? 'd-rejected'
      : d.startsWith('CAC-REROUTED')
        ? 'd-rerouted'
        : 'd-other';
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
