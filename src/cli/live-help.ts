/**
 * The options of a live lab and how the help texts show them, in a file of its own so that the
 * commands that start one (run, lab) parse and print them without loading the live lab.
 *
 * This file must not know what the options do.
 */
import { OUTPUT_VALUE } from './args.js';

/** The options of a live lab, for the commands that start one. */
export const LIVE_OPTIONS = {
  rounds: { type: 'string' },
  duration: { type: 'string' },
  pause: { type: 'string' },
  'replication-delay': { type: 'string' },
  json: { type: 'string' },
  html: { type: 'string' },
  calls: { type: 'string' },
  log: { type: 'string' },
  'log-level': { type: 'string' },
} as const;

/** What the options of a live lab take, for the message when a value is missing. */
export const LIVE_VALUES = {
  rounds: 'a number of rounds (0: calls on demand only)',
  duration: 'seconds',
  pause: 'seconds',
  'replication-delay': 'seconds',
  json: OUTPUT_VALUE,
  html: OUTPUT_VALUE,
  calls: 'a file name',
  log: 'a file name',
} as const;

/** The options of a live lab, as the help texts show them. */
export const LIVE_OPTIONS_HELP = `  --rounds N               place the timeline N times, then stop once its calls ended
                           (default: until Ctrl-C; 0: no timeline, calls on demand only)
  --duration SECONDS       start no round after this, then stop once the calls ended
  --pause SECONDS          between a round's last call's end and the next round (default 1)
  --replication-delay SECONDS
                           how long a new configuration version takes to reach the servers
                           (default 0: at once; Skype for Business replicates the Central
                           Management Store about once a minute, see docs/labs.md)
  --json FILE|-            the report as JSON at the end (and on "report")
  --html FILE|-            the same as a self-contained HTML page
  --calls FILE             every finished call as one JSON line, as it finishes
  --log FILE               write the JSON log to FILE (level: --log-level, default info)
  --log-level LEVEL        trace, debug, info, warn, error, silent (default: error)`;
