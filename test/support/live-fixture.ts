/**
 * A scenario of `test/fixtures/scenarios/` run live on loopback, as `mediapath run` runs it:
 * every host on its own loopback address, real SIP and RTP, the endpoints' media on the
 * run's addresses; with the report's view of each call beside the lab's own result.
 */
import { pino } from 'pino';
import { assignLoopback, endpointMedia, runLab, type LabResult } from '../../src/lab/index.js';
import { buildRunResults, type RunCallResult } from '../../src/report/index.js';
import { loadScenarioFile, type Scenario } from '../../src/scenario/index.js';

/** Where the fixtures are. */
export const FIXTURES = 'test/fixtures/scenarios';

/** A fixture's live run. */
export interface LiveFixtureRun {
  readonly scenario: Scenario;
  /** What the lab returned: calls as the hosts saw them, links, ledger, addressing. */
  readonly result: LabResult;
  /** The calls as the report has them (observed paths, divergences, expectations). */
  readonly calls: readonly RunCallResult[];
}

/**
 * Runs fixture `file` (a name under {@link FIXTURES}) live; throws when it does not load or
 * the run was cut short.
 */
export async function runFixtureLive(file: string, graceMs = 5000): Promise<LiveFixtureRun> {
  const loaded = await loadScenarioFile(`${FIXTURES}/${file}`);
  if (!loaded.ok) {
    throw new Error(`${file} must load: ${loaded.problems.map((p) => p.message).join('; ')}`);
  }
  const scenario = loaded.scenario;
  const addressing = assignLoopback(scenario);
  const logger = pino({ level: 'silent' });
  const result = await runLab(scenario, {
    logger,
    media: endpointMedia(logger, (a) => addressing.hostOf(a)),
    graceMs,
  });
  if (result.aborted) {
    throw new Error(`the live run of ${file} was cut short`);
  }
  const isMs = (h: string): boolean => scenario.hosts.mediationServers.some((m) => m.name === h);
  return { scenario, result, calls: buildRunResults(result.calls, isMs) };
}
