/**
 * `mediapath lab check [DIR]`: runs a lab's scenario live on loopback and checks its goals
 * against the run (decisions, observed paths, media, SIP status, loss), the configuration as
 * Get- cmdlets show it, the validation problems, the Bandwidth Policy Service's reservations and
 * the trainee's answers; prints each goal with its reason and the score, and writes the JSON
 * document and the run's HTML report when asked.
 *
 * This file must not know how a goal is checked (the labs layer does), how a run works (the
 * lab layer) or how the configuration is shown (the admin layer); it joins them.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  configView,
  describeRole,
  getObjects,
  PsObject,
  resolveRole,
  type PsValue,
} from '../admin/index.js';
import { ErrorCodes, SimError } from '../core/index.js';
import { assignLoopback, endpointMedia, runLab } from '../lab/index.js';
import {
  checkGoals,
  formatLabCheck,
  LAB_FILES,
  labCheckJson,
  parseAnswers,
  type ConfigLookup,
} from '../labs/index.js';
import { buildRunResults, runJson, topologyView } from '../report/index.js';
import { loadScenarioText, type Scenario } from '../scenario/index.js';
import { Topology } from '../topology/index.js';
import { labTarget, lastVersion } from './admin-target.js';
import { OUTPUT_VALUE, parseCommandArgs } from './args.js';
import { listenForInterrupt } from './interrupt.js';
import { ExitCode, useColour, type CliIO } from './io.js';
import { createRootLogger } from './logger.js';
import { loadForCommand } from './load-scenario.js';
import { oneOnStdout, outputOf, prepareOutput, writeOutput, type Output } from './output.js';
import { LAB_HELP } from './lab-help.js';
import { displayPath } from './paths.js';
import { writeHtml } from './results.js';
import { count } from './text.js';
import { UsageError } from './usage.js';

/**
 * Runs `mediapath lab check`.
 *
 * @returns 0 when every goal is met, 1 when one is not, 130 when interrupted.
 * @throws {UsageError} `SIM_ERR_CLI_USAGE` for a bad command line or a folder that is not a lab.
 * @throws {SimError} `SIM_ERR_LAB_DEFINITION`, `SIM_ERR_SCENARIO_INVALID`, and what the run
 *   fails with.
 */
export async function labCheck(args: readonly string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    args,
    { json: { type: 'string' }, html: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    { json: OUTPUT_VALUE, html: OUTPUT_VALUE },
  );
  if (values.help) {
    io.stdout.write(LAB_HELP);
    return ExitCode.OK;
  }
  if (positionals.length > 1) {
    throw new UsageError('lab check takes one folder');
  }
  const json = outputOf('--json', values.json, { notYaml: true });
  const html = outputOf('--html', values.html, { notYaml: true });
  oneOnStdout([json, html]);
  await prepareOutput(json);
  await prepareOutput(html);
  const target = await labTarget(positionals[0]);
  const lab = target.lab;
  const scenario = await loadForCommand(target.scenario, io, { quietWarnings: true });
  const text = await readFile(target.scenario, 'utf8');
  const loaded = loadScenarioText(text, target.scenario);
  const answers = parseAnswers(
    await readFile(join(target.folder, LAB_FILES.answers), 'utf8').catch(() => ''),
  );
  if (typeof answers === 'string') {
    throw new UsageError(`${displayPath(join(target.folder, LAB_FILES.answers))}: ${answers}`);
  }
  io.stderr.write(
    `running ${displayPath(target.scenario)} live: ${count(scenario.calls.length, 'call')}, about ${Math.ceil(plannedSeconds(scenario))}s\n`,
  );
  const root = createRootLogger({ level: 'error', file: null, io, bindings: null });
  const interrupt = listenForInterrupt(io);
  try {
    const addressing = assignLoopback(scenario);
    const result = await runLab(scenario, {
      logger: root.logger,
      media: endpointMedia(root.logger, (address) => addressing.hostOf(address)),
      signal: interrupt.signal,
    });
    if (result.aborted) {
      io.stderr.write('interrupted: the goals were not checked\n');
      return ExitCode.INTERRUPTED;
    }
    const isMs = (h: string): boolean => scenario.hosts.mediationServers.some((m) => m.name === h);
    const results = buildRunResults(result.calls, isMs);
    const check = checkGoals(lab, {
      calls: results,
      ledger: result.ledger,
      problems: loaded.ok ? loaded.warnings : loaded.problems,
      config: lookup(scenario, text),
      answers,
    });
    const resolved = resolveRole(lab.role, {
      custom: lab.roles,
      serverAdministratorScope: lab.serverAdministratorScope,
    });
    const role = typeof resolved === 'string' ? lab.role : describeRole(resolved);
    const runDoc = runJson(
      {
        scenario: {
          name: scenario.name,
          source: target.scenario,
          description: scenario.description,
        },
        mode: 'loopback',
        durationMs: Math.round(result.durationMs),
        aborted: false,
        hosts: result.addressing.entries,
        links: result.links,
        topology: topologyView(new Topology(scenario), result.addressing.entries),
        ledger: result.ledger,
      },
      results,
    );
    if (json?.kind !== 'stdout' && html?.kind !== 'stdout') {
      io.stdout.write(formatLabCheck(lab, check, { colour: useColour(io.stdout, io.env), role }));
    }
    const meta = { folder: target.folder, role, version: await lastVersion(target.log) };
    for (const [output, write] of [
      [
        json,
        (o: Output) =>
          writeOutput(
            o,
            `${JSON.stringify(labCheckJson(lab, check, meta, runDoc), null, 2)}\n`,
            io,
          ),
      ],
      [html, (o: Output) => writeHtml(o, runDoc, io)],
    ] as const) {
      const written = output === null ? null : await write(output);
      if (written !== null) {
        io.stderr.write(`wrote ${written}\n`);
      }
    }
    return check.allMet ? ExitCode.OK : ExitCode.EXPECTATION_FAILED;
  } finally {
    interrupt.dispose();
    await root.close();
  }
}

/** How long the calls of a scenario last, from the first start to the last end. */
function plannedSeconds(s: Scenario): number {
  return s.calls.reduce((m, c) => Math.max(m, c.atMs + c.durationMs), 0) / 1000;
}

/** The configuration as Get- cmdlets show it, for the configuration goals. */
function lookup(scenario: Scenario, text: string): ConfigLookup {
  const view = configView(scenario, text);
  return (noun, identity, property) => {
    let objects: PsObject[];
    try {
      objects = getObjects(view, noun, identity);
    } catch (e) {
      if (e instanceof SimError && e.code !== ErrorCodes.INTERNAL) {
        return { ok: false, reason: e.message };
      }
      throw e;
    }
    let value: PsValue | undefined = objects[0] ?? null;
    if (value === null) {
      return { ok: false, reason: `there is no ${noun}` };
    }
    for (const part of property.split('.')) {
      value = value instanceof PsObject ? value.get(part) : undefined;
      if (value === undefined) {
        return { ok: false, reason: `it has no property ${property}` };
      }
    }
    return { ok: true, value: value instanceof PsObject ? value.names : value };
  };
}
