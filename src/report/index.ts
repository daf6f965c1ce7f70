export { explainCalls, explainJson, formatExplain, type ExplainedCall } from './explain.js';
export {
  checkExpectation,
  formatHostPath,
  type CallOutcome,
  type ExpectationFailure,
} from './expectations.js';
export { styler, pad, visibleLength, decisionColour, type Styler } from './style.js';
