/**
 * Which files of a lab's folder are the trainee's: everything but the trainers' `solution/`
 * folder and the lab's own working state, and the names of the files a working folder holds.
 *
 * This file must not read or write files: it only says which paths are which.
 */

/** The files of a lab's working folder besides the scenario. */
export const LAB_FILES = {
  /** The lab's definition. */
  definition: 'lab.yaml',
  /** The trainers' folder, never copied to a working folder. */
  solution: 'solution',
  /** The trainee's answers. */
  answers: 'answers.yaml',
  /** Every command run in the shell or by apply, one JSON object per line. */
  commandLog: 'commands.log.jsonl',
  /** Where the working folder came from, and the hints shown. */
  state: '.lab-state.json',
} as const;

/**
 * True for a path of a lab's folder (relative, `/`-separated) that `lab start` copies: not the
 * trainers' solution, not a working folder's state, log or answers.
 */
export function isTraineeFile(relative: string): boolean {
  const first = relative.split(/[\\/]/)[0] ?? '';
  return (
    first !== LAB_FILES.solution &&
    first !== LAB_FILES.state &&
    first !== LAB_FILES.commandLog &&
    first !== LAB_FILES.answers
  );
}
