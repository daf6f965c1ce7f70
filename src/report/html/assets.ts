/**
 * The report page's inline style sheet and script. The script only shows what the page already
 * holds: selecting a call shows its media layer on the network and its details (cloned from an
 * inert template), clicking a SIP message shows its full text. It fetches nothing.
 */

export const PAGE_CSS = `
:root { --fg:#1d2733; --muted:#5c6b7a; --line:#c9d2dc; --bg:#ffffff; --panel:#f5f7fa;
  --fwd:#1f6fd1; --bwd:#0f9d76; --bad:#d1342f; --warn:#b7791f; --decided:#7a8794; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg);
  background: var(--bg); margin: 0 auto; padding: 16px 24px 40px; max-width: 1500px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 18px; margin: 28px 0 8px; }
h3 { font-size: 15px; margin: 18px 0 6px; }
.meta, .hint, footer { color: var(--muted); } footer { margin-top: 32px; font-size: 12px; }
ol.history { margin: 0; padding-left: 1.2em; }
.good { color: #137a3a; font-weight: 600; } .bad { color: var(--bad); } .warn { color: var(--warn); }
.banner { padding: 8px 12px; border: 1px solid var(--bad); border-radius: 6px; background: #fdf0ef; }
.scroll { overflow-x: auto; }
.legend { font-size: 12px; color: var(--muted); }
.key { display: inline-block; width: 22px; height: 0; border-top: 3px solid; vertical-align: middle; }
.key.decided { border-top: 2px dashed var(--decided); } .key.forward { border-color: var(--fwd); }
.key.backward { border-color: var(--bwd); } .key.bad { border-color: var(--bad); }
.key.wan { border-color: #8a6d3b; } .key.trunk { border-top: 2px dotted #888; }
.key.relay { width: 12px; height: 12px; border: 2px solid #8e44ad; border-radius: 50%; }
svg text { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.topology .box rect { fill: none; stroke: var(--line); }
.topology .box.region > rect { fill: #f3f6fb; stroke: #9fb3c8; }
.topology .box.site > rect { fill: #ffffff; stroke: #b4c2d1; }
.topology .box.group > rect { fill: #fbf8f1; stroke: #d8c9a8; stroke-dasharray: 4 3; }
.topology .box-label { font-size: 12px; font-weight: 700; fill: #34495e; }
.topology .box-sub { font-size: 10px; fill: var(--muted); }
.topology .wan { fill: none; stroke: #8a6d3b; stroke-width: 2.5; }
.topology .trunk { fill: none; stroke: #999; stroke-width: 1.5; stroke-dasharray: 2 3; }
.topology .link-label { font-size: 10px; fill: #6b5328; paint-order: stroke; stroke: #fff; stroke-width: 3px; }
.topology .host rect { fill: #fff; stroke: #51606f; stroke-width: 1.2; }
.topology .host.mediation-server rect { fill: #f4ecfb; stroke: #8e44ad; }
.topology .host.pstn-gateway rect, .topology .host.ip-pbx rect, .topology .host.sbc rect { fill: #fff6e5; stroke: #c77d0a; }
.topology .host.edge rect { fill: #eaf6f6; stroke: #138d90; }
.topology .host.pstn rect { fill: #eeeeee; stroke: #777; }
.topology .host-name { font-size: 12px; font-weight: 700; fill: #1d2733; }
.topology .host-kind { font-size: 9px; fill: var(--muted); }
.topology .host-ip { font-size: 10px; fill: #44515e; }
.topology .decided { fill: none; stroke: var(--decided); stroke-width: 2; stroke-dasharray: 6 4; }
.topology .arrow { fill: none; stroke-width: 3; }
.topology .arrow.forward { stroke: var(--fwd); } .topology .arrow.backward { stroke: var(--bwd); }
.topology .arrow.incomplete, .topology .arrow.diverged { stroke: var(--bad); }
.topology .relay-hop { fill: none; stroke: #8e44ad; stroke-width: 2.5; stroke-dasharray: 3 2; }
table { border-collapse: collapse; font-size: 13px; }
th, td { border-bottom: 1px solid #e3e8ee; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: var(--panel); font-weight: 600; white-space: nowrap; }
table.calls tr.selected td { background: #eaf2fd; }
table.calls tr.flagged .observed { color: var(--bad); }
button.select { font: inherit; color: var(--fwd); background: none; border: 0; padding: 0; cursor: pointer; text-align: left; text-decoration: underline; }
.flag { color: var(--bad); font-weight: 700; }
.decision { font-weight: 700; font-size: 12px; padding: 1px 6px; border-radius: 10px; white-space: nowrap; }
.d-bypass { background: #e3f5e9; color: #137a3a; } .d-rejected { background: #fde8e7; color: var(--bad); }
.d-rerouted { background: #fff3d6; color: #8a5a00; } .d-other { background: #e6f0fb; color: #1b5aa6; }
#detail { border: 1px solid var(--line); border-radius: 8px; padding: 4px 16px 16px; background: var(--panel); margin-top: 16px; }
.ladder .col-head { font-size: 12px; font-weight: 700; fill: #1d2733; }
.ladder .lifeline { stroke: #b4c2d1; stroke-width: 1.5; }
.ladder .msg line { stroke: #444; stroke-width: 1.4; }
.ladder .msg.response line { stroke-dasharray: 5 3; }
.ladder .msg.unanswered line { stroke: var(--bad); }
.ladder .msg .label { font-size: 11px; fill: #1d2733; }
.ladder .msg .sdp { font-size: 10px; fill: #1b5aa6; }
.ladder .msg .time { font-size: 10px; fill: var(--muted); }
.ladder .msg .hit { fill: transparent; } .ladder .msg.shown .hit, .ladder .msg:hover .hit { fill: #eaf2fd; }
.ladder .msg { cursor: pointer; } .ladder .msg:hover .label, .ladder .msg.shown .label { fill: var(--fwd); font-weight: 700; }
.ladder .decision-mark rect { fill: #8e44ad; } .ladder .decision-mark text { fill: #fff; font-size: 11px; font-weight: 700; }
pre.sip-text { background: #fff; border: 1px solid var(--line); padding: 8px; font-size: 12px; max-height: 360px; overflow: auto; }
ol.trace { font-size: 13px; padding-left: 22px; }
ol.trace li.fail .verdict { color: var(--bad); font-weight: 700; } ol.trace li.pass .verdict { color: #137a3a; }
ol.trace li.info .verdict { color: var(--muted); }
a.rule, span.rule { font-family: ui-monospace, Menlo, Consolas, monospace; }
.chart .use-area { fill: #d6e6fb; } .chart .use-line { fill: none; stroke: var(--fwd); stroke-width: 1.5; }
.chart .axis { stroke: #889; } .chart .tick { font-size: 10px; fill: var(--muted); }
.chart .limit { stroke: var(--bad); stroke-dasharray: 6 4; } .chart .limit-label { font-size: 10px; fill: var(--bad); }
.link-use { display: inline-block; vertical-align: top; margin: 0 24px 12px 0; max-width: 580px; }
.held { font-size: 12px; color: var(--muted); }
#rules dt { margin-top: 10px; font-weight: 600; } #rules dd { margin-left: 18px; }
#rules dt:target { background: #fff3d6; }
ul.notes { padding-left: 20px; }
`;

/**
 * Plain ES2020 for any current browser. Selecting a call (a click, or `#call=ID` in the address)
 * shows its layer on the network and its details; a SIP message shows its text.
 */
export const PAGE_SCRIPT = `
(function () {
  'use strict';
  var detail = document.getElementById('detail');
  function select(index) {
    var tpl = document.getElementById('call-' + index);
    if (!tpl || !detail) { return; }
    var id = tpl.getAttribute('data-call');
    document.querySelectorAll('g.call-media').forEach(function (g) {
      g.setAttribute('display', g.getAttribute('data-call') === id ? 'inline' : 'none');
    });
    document.querySelectorAll('table.calls tbody tr').forEach(function (tr) {
      tr.classList.toggle('selected', tr.getAttribute('data-call') === id);
    });
    detail.replaceChildren(tpl.content.cloneNode(true));
    detail.setAttribute('data-call', id);
    detail.querySelectorAll('g.msg').forEach(function (g) {
      var show = function () {
        var key = g.getAttribute('data-msg');
        var src = detail.querySelector('pre.sip-message[data-msg="' + key + '"]');
        var out = detail.querySelector('pre.sip-text');
        if (!src || !out) { return; }
        out.textContent = src.textContent;
        out.hidden = false;
        detail.querySelectorAll('g.msg.shown').forEach(function (x) { x.classList.remove('shown'); });
        g.classList.add('shown');
      };
      g.addEventListener('click', show);
      g.addEventListener('keydown', function (e) { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); show(); } });
    });
    if (history.replaceState) { history.replaceState(null, '', '#call=' + encodeURIComponent(id)); }
  }
  document.querySelectorAll('button.select').forEach(function (b) {
    b.addEventListener('click', function () { select(Number(b.getAttribute('data-index'))); });
  });
  var m = /^#call=(.+)$/.exec(location.hash);
  if (m) {
    var want = decodeURIComponent(m[1]);
    document.querySelectorAll('button.select').forEach(function (b) {
      if (b.getAttribute('data-call') === want) { select(Number(b.getAttribute('data-index'))); }
    });
  }
})();
`;
