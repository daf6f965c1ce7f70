/**
 * The page's section on the health of a run's peers: each gateway whose state its Mediation
 * Server's keep-alives changed, with the changes in order, and the hosts a multi-process run
 * lost and whether they came back. Drawn from the saved result alone; knows nothing of SIP or
 * of how keep-alives are sent.
 */
import type { PageModel } from './model.js';
import { esc } from './text.js';

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** The section, or nothing when no gateway changed state and no host was lost. */
export function healthSection(m: PageModel): string {
  const changed = m.peers.filter((p) => p.history.length > 0);
  if (changed.length === 0 && m.lost.length === 0) {
    return '';
  }
  const parts: string[] = ['<section id="health"><h2>Peers and hosts</h2>'];
  if (changed.length > 0) {
    const rows = changed.map((p) => {
      const steps = p.history
        .map(
          (h) =>
            `<li><span class="${h.state === 'down' ? 'bad' : 'good'}">${esc(h.state)}</span> at ${seconds(h.at)}: ${esc(h.detail)}</li>`,
        )
        .join('');
      return `<tr><td>${esc(p.watcher)} &rarr; ${esc(p.peer)}</td><td><ol class="history">${steps}</ol></td><td>${esc(p.state)}</td></tr>`;
    });
    parts.push(
      `<h3>Gateways, as keep-alives from their Mediation Server saw them</h3><table><thead><tr><th>watcher &rarr; gateway</th><th>changes</th><th>at the end</th></tr></thead><tbody>${rows.join('')}</tbody></table>`,
    );
  }
  if (m.lost.length > 0) {
    const rows = m.lost.map(
      (l) =>
        `<tr><td>${esc(l.host)}</td><td>${seconds(l.at)}</td><td>${esc(l.detail)}</td><td>${l.rejoinedAt === null ? 'no' : seconds(l.rejoinedAt)}</td></tr>`,
    );
    parts.push(
      `<h3 class="bad">Degraded run: hosts lost</h3><table><thead><tr><th>host</th><th>lost at</th><th>why</th><th>back</th></tr></thead><tbody>${rows.join('')}</tbody></table>`,
    );
  }
  parts.push('</section>');
  return parts.join('');
}
