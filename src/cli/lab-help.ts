/**
 * The help text of `mediapath lab` and its subcommands, in a file of its own so that the lab
 * command and its check (loaded when run) both print it without importing each other.
 *
 * This file must not know what the commands do.
 */
import { LIVE_OPTIONS_HELP } from './live-help.js';

export const LAB_HELP = `Usage: mediapath lab list [--json FILE|-]
       mediapath lab start NAME|PATH [DIR] [--live [LIVE OPTIONS]]
       mediapath lab run [DIR] [LIVE OPTIONS]
       mediapath lab check [DIR] [--json FILE|-] [--html FILE|-]
       mediapath lab hint [DIR]
       mediapath lab answer [DIR] [KEY ANSWER...]
       mediapath lab reset [DIR]

Training labs: a broken or unfinished Skype for Business deployment, a story, the role you act
as, and goals that a live run checks (real SIP and RTP on loopback).

  list     the shipped labs, with their role and what they are about
  start    copies a lab's files (never the trainers' solution) into DIR (default: a folder named
           after the lab) and prints its story and goals; with --live, then runs it as lab run
  run      keeps DIR's lab up live: its hosts stay up, its calls are placed again and again in
           rounds (c1, c1#2, ...), and each change you make with mediapath shell or apply in
           another terminal is taken for the calls that start after it (calls already up keep
           their path); a change that does not validate is refused and the version in force
           stays. Progress lines say the round, the configuration version in force and each
           call's decision; Ctrl-C writes the report, with the version each call was decided
           under. "call FROM TO [SECONDS]" on standard input places a call, "report" writes the
           report now
  check    runs DIR's scenario live and prints each goal as met or not, with the reason from the
           rule trace, and a score; --json writes the goals and the whole run, --html the run's
           report page. Exit 0 only when every goal is met
  hint     shows the next hint
  answer   records an answer (labs with questions); without KEY, lists the questions and the
           answers so far. answers.yaml may be edited by hand too
  reset    puts the lab's starting files back (the command log is kept)

Change the lab with the cmdlets: mediapath shell DIR, or mediapath apply SCRIPT.ps1 DIR
(docs/labs.md, docs/cmdlets.md). DIR defaults to the current folder.

Options:
  --json FILE|-   (list, check) the JSON document, to FILE or standard output
  --html FILE|-   (check) the live run's HTML report
  -h, --help      this help

Live options (start --live, run):
${LIVE_OPTIONS_HELP}

Examples:
  mediapath lab list
  mediapath lab start deploy-media-bypass mylab
  mediapath shell mylab --role CsVoiceAdministrator
  mediapath lab start unmapped-subnet mylab --live --rounds 5   # then, in another terminal:
  mediapath apply fix.ps1 mylab                                # the next round takes it
  mediapath lab run mylab --replication-delay 60 --html mylab/live.html
  mediapath lab check mylab --html mylab/report.html
  mediapath lab answer mylab refused-calls "branch-to-hq-1, branch-to-hq-2"

Exit codes: 0 done (check: every goal met; run: stopped), 1 a goal is not met (run: an
expect: of a finished call failed), 2 bad usage, 3 invalid scenario or lab definition, 4 runtime
failure, 130 interrupted.
`;
