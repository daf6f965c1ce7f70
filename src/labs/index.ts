/**
 * The labs layer's public face: a lab's definition (`lab.yaml`), its goals checked against a
 * live run's result, the trainee's answers, and how a check is shown. Pure: the CLI reads the
 * files, makes the live run and looks the configuration up.
 *
 * This layer must not know SIP, media, the live lab, the cmdlets or the CLI.
 */
export {
  parseLab,
  type CallGoalExpect,
  type LabDefinition,
  type LabGoal,
  type LabParse,
} from './definition.js';
export {
  callOutcome,
  checkGoals,
  decisiveSteps,
  peakReservations,
  type ConfigLookup,
  type GoalResult,
  type LabCheck,
  type LabFacts,
} from './goals.js';
export { parseAnswers, setAnswer } from './answers.js';
export { formatLabCheck, labCheckJson } from './report.js';
export { LAB_FILES, isTraineeFile } from './files.js';
export {
  lastLoggedVersion,
  loggedVersionOf,
  parseCommandLog,
  versionFit,
  versionLabel,
  type LoggedStatement,
  type LoggedVersion,
  type VersionFit,
} from './config-versions.js';
