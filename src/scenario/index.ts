export * from './types.js';
export * from './problems.js';
export { loadScenarioFile, loadScenarioText, deepFreeze, type LoadResult } from './load.js';
export { durationMs } from './normalize.js';
export { scenarioSchema, codecNames, decisionNames } from './schema.js';
