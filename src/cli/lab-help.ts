/**
 * The help text of `mediapath lab` and its subcommands, in a file of its own so that the lab
 * command and its check (loaded when run) both print it without importing each other.
 *
 * This file must not know what the commands do.
 */
export const LAB_HELP = `Usage: mediapath lab list [--json FILE|-]
       mediapath lab start NAME|PATH [DIR]
       mediapath lab check [DIR] [--json FILE|-] [--html FILE|-]
       mediapath lab hint [DIR]
       mediapath lab answer [DIR] [KEY ANSWER...]
       mediapath lab reset [DIR]

Training labs: a broken or unfinished Skype for Business deployment, a story, the role you act
as, and goals that a live run checks (real SIP and RTP on loopback).

  list     the shipped labs, with their role and what they are about
  start    copies a lab's files (never the trainers' solution) into DIR (default: a folder named
           after the lab) and prints its story and goals
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

Examples:
  mediapath lab list
  mediapath lab start deploy-media-bypass mylab
  mediapath shell mylab --role CsVoiceAdministrator
  mediapath lab check mylab --html mylab/report.html
  mediapath lab answer mylab refused-calls "branch-to-hq-1, branch-to-hq-2"

Exit codes: 0 done (check: every goal met), 1 a goal is not met, 2 bad usage, 3 invalid
scenario or lab definition, 4 runtime failure, 130 interrupted.
`;
