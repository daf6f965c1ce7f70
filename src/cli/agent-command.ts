/**
 * `mediapath agent`: one host of a multi-process run, as a process of its own (started by
 * `run --net netns`, or in a container).
 *
 * This file must not know the host's behaviour (the lab's agent has it) nor how the address
 * configuration is done (the net layer); it parses the command line, makes the agent's logger
 * and handles signals.
 */
import { containsIp, parseIpv4 } from '../core/index.js';
import { runAgent } from '../lab/index.js';
import { configureHost } from '../net/index.js';
import { parseCommandArgs } from './args.js';
import { listenForInterrupt } from './interrupt.js';
import { ExitCode, type CliIO } from './io.js';
import { createRootLogger, logLevelOf } from './logger.js';
import { UsageError } from './usage.js';

export const AGENT_HELP = `Usage: mediapath agent --control ADDRESS --host NAME [--via IP] [--connect-timeout S]
                       [--log-level LEVEL]

Runs one host of a scenario as a process of its own, for the network-namespace mode
(\`mediapath run --net netns\` starts one agent per host by itself) and for containers
(\`docker-compose.yml\`). The agent joins the orchestrator at ADDRESS, receives the scenario,
binds the host's scenario IP(s) at the fixed SIP ports (5060 client side, 5061 a Mediation
Server's gateway side, 5062 a gateway's PSTN side), places the host's calls at their time,
asks the orchestrator for every policy decision, and reports what it saw when the run ends.

Options:
  --control ADDRESS    the orchestrator: unix:PATH or HOST:PORT
  --host NAME          the scenario host to run (or "pstn" for the PSTN)
  --connect-timeout S  how long to keep trying to reach the orchestrator (default 30)
  --via IP             container mode: add the host's addresses that no interface has, and
                       route every other network of the scenario via this router
                       (needs CAP_NET_ADMIN)
  --log-level LEVEL    trace, debug, info, warn, error, silent (default: error, to stderr)
  -h, --help           this help

Examples:
  mediapath run --net agents --listen 127.0.0.1:7000 scenarios/default.yaml &
  mediapath agent --control 127.0.0.1:7000 --host alice
  mediapath agent --control mediapath:7000 --host gw-por --via 172.29.77.254

Exit codes: 0 the run ended, 2 bad usage, 4 runtime failure (orchestrator unreachable, bind
error, unknown host).
`;

/**
 * Runs `mediapath agent`: one host of a multi-process run, until the run ends.
 *
 * @param args - The arguments after `agent`.
 * @returns 0 when the run ended, 4 when the agent failed (the reason is on stderr).
 * @throws {UsageError} `SIM_ERR_CLI_USAGE` for a bad command line.
 */
export async function agentCommand(args: readonly string[], io: CliIO): Promise<number> {
  const { values } = parseCommandArgs(args, {
    control: { type: 'string' },
    host: { type: 'string' },
    via: { type: 'string' },
    'connect-timeout': { type: 'string' },
    'log-level': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.stdout.write(AGENT_HELP);
    return ExitCode.OK;
  }
  const control = values.control;
  const host = values.host;
  if (typeof control !== 'string' || typeof host !== 'string') {
    throw new UsageError('--control and --host are required');
  }
  const via = typeof values.via === 'string' ? values.via : undefined;
  const connectS = Number(values['connect-timeout'] ?? 30);
  if (!(connectS > 0 && connectS <= 3600)) {
    throw new UsageError('--connect-timeout must be a number of seconds between 0 and 3600');
  }
  const root = createRootLogger({
    level: logLevelOf(values['log-level'], 'error'),
    file: null,
    io,
    bindings: { agent: host },
  });
  const logger = root.logger;
  const interrupt = listenForInterrupt(io);
  try {
    await runAgent({
      control,
      host,
      logger,
      connectTimeoutMs: connectS * 1000,
      signal: interrupt.signal,
      ...(via
        ? {
            prepare: async (scenario, addressing, name) => {
              const mine = addressing.entries.filter((e) => e.host === name).map((e) => e.address);
              const networks = [
                ...scenario.network.subnets.map((n) => `${n.subnet}/${n.maskBits}`),
                ...addressing.entries
                  .filter((e) => e.host !== name)
                  .map((e) => `${e.address}/32`)
                  .filter((n) => !scenario.network.subnets.some((s) => inside(n, s))),
              ];
              for (const line of await configureHost(mine, networks, via)) {
                logger.info(line);
              }
            },
          }
        : {}),
    });
    return ExitCode.OK;
  } catch (e) {
    io.stderr.write(`mediapath agent ${host}: ${e instanceof Error ? e.message : String(e)}\n`);
    return ExitCode.RUNTIME;
  } finally {
    interrupt.dispose();
    await root.close();
  }
}

/** True when an address (as a /32) lies inside a configured subnet. */
function inside(cidr: string, s: { subnet: string; maskBits: number }): boolean {
  return containsIp(parseIpv4(s.subnet), s.maskBits, parseIpv4(cidr.split('/')[0] ?? ''));
}
