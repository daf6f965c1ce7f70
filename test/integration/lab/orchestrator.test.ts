import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAgent } from '../../../src/lab/agent.js';
import { runOrchestrated } from '../../../src/lab/orchestrator.js';
import { loadScenarioFile, type Scenario } from '../../../src/scenario/index.js';

const FILE = 'scenarios/default.yaml';
const logger = pino({ level: 'silent' });
let dir: string;
let scenario: Scenario;
let text: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mediapath-orch-'));
  const loaded = await loadScenarioFile(FILE);
  if (!loaded.ok) {
    throw new Error('default scenario must load');
  }
  scenario = loaded.scenario;
  text = await readFile(FILE, 'utf8');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('orchestrator and agents over a real Unix socket (no privileges needed)', () => {
  it('names the hosts whose agents never joined when it gives up waiting', async () => {
    const run = runOrchestrated(scenario, {
      logger,
      listen: `unix:${join(dir, 'none.sock')}`,
      source: { text, file: FILE },
      joinTimeoutMs: 400,
    });
    await expect(run).rejects.toMatchObject({
      code: 'SIM_ERR_LAB_SETUP',
      message: expect.stringMatching(
        /timed out after 0\.4 s waiting for every agent to join; no agent for ms-hq, gw-por, alice, bob, carol, pstn/,
      ) as unknown,
    });
  });

  it('refuses an agent for a host the scenario does not have; Ctrl-C ends the wait', async () => {
    const listen = `unix:${join(dir, 'refuse.sock')}`;
    const controller = new AbortController();
    const run = runOrchestrated(scenario, {
      logger,
      listen,
      source: { text, file: FILE },
      signal: controller.signal,
    });
    await expect(runAgent({ control: listen, host: 'zed', logger })).rejects.toMatchObject({
      code: 'SIM_ERR_LAB_SETUP',
      message: 'the orchestrator refused: the scenario has no host named zed',
    });
    controller.abort();
    const result = await run;
    expect(result.aborted).toBe(true);
    expect(result.calls.map((c) => c.state)).toEqual(['cancelled', 'cancelled', 'cancelled']);
  });

  it('an agent whose orchestrator goes away before the run fails instead of waiting forever', async () => {
    const listen = `unix:${join(dir, 'gone.sock')}`;
    const controller = new AbortController();
    const run = runOrchestrated(scenario, {
      logger,
      listen,
      source: { text, file: FILE },
      signal: controller.signal,
    });
    const agent = runAgent({ control: listen, host: 'alice', logger });
    // Give the agent time to join, then end the orchestrator before the others come.
    await new Promise((r) => setTimeout(r, 300));
    controller.abort();
    await run;
    await expect(agent).rejects.toMatchObject({
      code: 'SIM_ERR_LAB_SETUP',
      message: 'the orchestrator closed the control channel before the run ended',
    });
  });
});
