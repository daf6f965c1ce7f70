import { mkdtempSync, readdirSync, readFileSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, launchChromium } from '../support/browser.js';
import { cli } from '../support/cli.js';

if (process.env.CI === 'true' && !chromiumAvailable()) {
  throw new Error('CI needs Debian chromium (.ci/run installs it)');
}

const root = join(import.meta.dirname, '..', '..');
/** Screenshots for a person to look at (git ignores out/). */
const shots = join(root, 'out', 'report-screenshots');

interface ResultCall {
  readonly id: string;
  readonly decision: string;
  readonly predictedPath?: readonly string[];
  readonly mediaPath?: readonly string[];
  readonly media?: string;
  readonly finalStatus?: number | null;
  readonly observedPath?: {
    readonly forward: { readonly hops: readonly string[]; readonly complete: boolean };
    readonly backward: { readonly hops: readonly string[]; readonly complete: boolean };
  };
  readonly sip?: readonly { readonly dir: string }[];
  readonly trace: readonly { readonly rule: string }[];
}

interface Result {
  readonly kind: string;
  readonly calls: readonly ResultCall[];
}

/** A run with a contrast pass: each call's second pass too. */
interface ContrastResult extends Result {
  readonly calls: readonly (ResultCall & {
    readonly contrast: {
      readonly observedPath: { readonly forward: { readonly hops: string[] } };
    };
  })[];
}

/** What the page shows as a call's observed path: the terminal table's text. */
function observedText(c: ResultCall): string {
  const o = c.observedPath;
  if (!o || c.media === 'none') {
    return c.decision === 'REJECTED' ? `none (SIP ${c.finalStatus ?? '?'})` : 'none';
  }
  return o.forward.complete
    ? o.forward.hops.join(' -> ')
    : `${o.backward.hops.join(' -> ')} (one way)`;
}

/** Opens a report and checks it as a reader would, call by call. */
async function checkReport(page: Page, file: string, result: Result, shot: string): Promise<void> {
  const errors: string[] = [];
  const fetched: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') {
      errors.push(m.text());
    }
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('request', (r) => {
    if (!r.url().startsWith('file:')) {
      fetched.push(r.url());
    }
  });
  await page.goto(`file://${file}`);
  expect(await page.locator('table.calls tbody tr').count()).toBe(result.calls.length);
  expect(await page.locator('#topology g.host').count()).toBeGreaterThan(2);
  for (const [i, c] of result.calls.entries()) {
    await page.click(`button.select[data-index="${i}"]`);
    const detail = page.locator('#detail');
    expect(await detail.getAttribute('data-call')).toBe(c.id);
    // The rule trace, each rule linked to the rules at the end of the page.
    expect(await detail.locator('ol.trace[data-of="call"] li').count()).toBe(c.trace.length);
    const hrefs = new Set<string>();
    for (const a of await detail.locator('ol.trace a.rule').all()) {
      hrefs.add((await a.getAttribute('href')) ?? '');
    }
    for (const href of hrefs) {
      expect(await page.locator(href).count()).toBe(1);
    }
    const layer = page.locator(`#topology g.call-media[data-call="${c.id}"]`);
    expect(await layer.getAttribute('display')).toBe('inline');
    if (result.kind === 'run') {
      expect(await detail.locator('.observed-path').textContent()).toBe(observedText(c));
      const row = page.locator(`table.calls tr[data-call="${c.id}"] .observed`);
      expect(await row.textContent()).toBe(observedText(c));
      const o = c.observedPath;
      const hops = (o?.forward.hops.length ?? 1) - 1 + (o?.backward.hops.length ?? 1) - 1;
      expect(await layer.locator('path.arrow').count()).toBe(hops);
      // The ladder: one row per message the hosts received (every host is one of ours).
      const received = (c.sip ?? []).filter((m) => m.dir === 'in').length;
      expect(await detail.locator('svg.ladder g.msg').count()).toBe(received);
      expect(await detail.locator('svg.ladder g.decision-mark').count()).toBe(
        c.decision === 'REJECTED' && received === 0 ? 0 : 1,
      );
      if (received > 0) {
        await detail.locator('svg.ladder g.msg').first().click();
        expect(await detail.locator('pre.sip-text').textContent()).toMatch(/^(INVITE|SIP\/2\.0)/);
      }
    } else {
      const decided = (c.predictedPath ?? c.mediaPath ?? []).join(' -> ') || 'none';
      expect(await detail.locator('.decided-path').textContent()).toBe(decided);
    }
  }
  await page.click('button.select[data-index="0"]');
  await page.screenshot({ path: shot, fullPage: true });
  expect(errors).toEqual([]);
  expect(fetched).toEqual([]);
}

describe.skipIf(!chromiumAvailable())('the HTML report in Chromium', () => {
  let browser: Browser;
  let dir: string;

  beforeAll(async () => {
    browser = await launchChromium();
    dir = mkdtempSync(join(tmpdir(), 'mediapath-html-'));
    mkdirSync(shots, { recursive: true });
  });

  afterAll(async () => {
    await browser.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it.each(['default', 'branch-cac'])(
    'shows every call of a live run of %s: paths, arrows, ladders, traces',
    async (name) => {
      const json = join(dir, `${name}.json`);
      const html = join(dir, `${name}.html`);
      const r = await cli([
        'run',
        join(root, 'scenarios', `${name}.yaml`),
        '--json',
        json,
        '--html',
        html,
      ]);
      expect({ code: r.code, err: r.err }).toMatchObject({ code: 0 });
      const result = JSON.parse(readFileSync(json, 'utf8')) as Result;
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      await checkReport(page, html, result, join(shots, `run-${name}.png`));
      await page.close();
      // The same page again from the saved result.
      const again = join(dir, `${name}-again.html`);
      expect((await cli(['report', json, '--html', again])).code).toBe(0);
      expect(readFileSync(again, 'utf8').replace(/generated [^ ]+ /, '')).toBe(
        readFileSync(html, 'utf8').replace(/generated [^ ]+ /, ''),
      );
      // And as a table on the terminal: each call's row with the path its packets took.
      const table = await cli(['report', json]);
      expect(table.code).toBe(0);
      for (const c of result.calls) {
        const row = table.out.split('\n').find((l) => l.split(/\s+/)[1] === c.id) ?? '';
        const fwd = c.observedPath?.forward;
        expect(row).toContain(c.decision);
        expect(row).toContain(
          c.media === 'none' || !fwd
            ? 'none'
            : fwd.complete
              ? fwd.hops.join(' -> ')
              : `${c.observedPath.backward.hops.join(' -> ')} (one way)`,
        );
      }
    },
    60_000,
  );

  it('shows both passes of a live run with a contrast deployment (teams-contrast)', async () => {
    const json = join(dir, 'teams-contrast.json');
    const html = join(dir, 'teams-contrast.html');
    const r = await cli([
      'run',
      join(root, 'scenarios', 'teams-contrast.yaml'),
      '--json',
      json,
      '--html',
      html,
    ]);
    expect({ code: r.code, err: r.err }).toMatchObject({ code: 0 });
    const result = JSON.parse(readFileSync(json, 'utf8')) as ContrastResult;
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await checkReport(page, html, result, join(shots, 'run-teams-contrast.png'));
    expect(await page.locator('table.calls thead th').allTextContents()).toContain(
      'under teams-direct-routing (observed)',
    );
    // The part after a transfer (b.5 #39) has its second pass too: the Media Processor joins.
    expect(
      result.calls
        .find((c) => c.id === 'transferred-to-sfb-user/transfer')
        ?.contrast.observedPath.forward.hops.join(' -> '),
    ).toBe('sbc-chi -> teams-mp -> sam');
    for (const [i, c] of result.calls.entries()) {
      const teams = c.contrast.observedPath.forward.hops.join(' -> ');
      const row = page.locator(`table.calls tr[data-call="${c.id}"] .contrast-path`);
      expect(await row.textContent()).toBe(teams);
      await page.click(`button.select[data-index="${i}"]`);
      expect(await page.locator('#detail .contrast-path').textContent()).toBe(teams);
    }
    await page.close();
  }, 90_000);

  it('shows the decisions of every reference scenario (explain)', async () => {
    const names = readdirSync(join(root, 'scenarios')).filter((f) => f.endsWith('.yaml'));
    for (const f of names) {
      const json = join(dir, `explain-${f}.json`);
      const html = join(dir, `explain-${f}.html`);
      const r = await cli(['explain', join(root, 'scenarios', f), '--json', json, '--html', html]);
      expect({ file: f, code: r.code, err: r.err }).toMatchObject({ code: 0 });
      const result = JSON.parse(readFileSync(json, 'utf8')) as Result;
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      await checkReport(page, html, result, join(shots, `explain-${f.replace('.yaml', '')}.png`));
      await page.close();
    }
  }, 90_000);
});
