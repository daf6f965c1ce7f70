/**
 * The planning layer's public surface: what-if between two configurations (`diff`), media
 * bypass on and off side by side (`compare`), the busy-hour simulation against Erlang B
 * (`plan`), and the teletraffic formulas. Everything here is pure: it runs calls through the
 * policy engine without sockets, and must not know SIP, media or the live lab.
 */
export {
  BusyHourSimulation,
  type BusyHourOptions,
  type BusyHourProgress,
  type BusyHourResult,
  type BusyHourSettings,
  type LinkPlan,
} from './busy-hour.js';
export {
  erlangB,
  limitFor,
  offeredFor,
  serversFor,
  type LimitAdvice,
  type TrafficClass,
} from './erlang-b.js';
export { drawCalls, TrafficCalls, type ArrivalModel } from './traffic-calls.js';
export { formatPlan, planCsv, planJson, PLAN_CSV_COLUMNS, PLAN_FORMAT } from './plan-report.js';
export type { OutcomeCounts, RefusedOutcome } from './link-tally.js';
export type { Interval } from './statistics.js';
export {
  CHANGE_KINDS,
  diffTimelines,
  firstDifference,
  withCallsOf,
  type CallChange,
  type CallSide,
  type ChangeKind,
  type DiffResult,
  type LinkKbps,
  type PeakChange,
  type TraceDifference,
} from './diff.js';
export {
  diffHtmlSection,
  diffJson,
  formatDiff,
  DIFF_FORMAT,
  type DiffSources,
  type DiffTimeline,
} from './diff-report.js';
export {
  compareBypass,
  withoutBypass,
  RELAY_CPU_US_PER_PACKET,
  RELAYED_PACKETS_PER_CALL_SECOND,
  type BypassComparison,
  type CompareSide,
  type LinkLoad,
  type RelayLoad,
} from './compare.js';
export {
  compareJson,
  formatCompare,
  COMPARE_FORMAT,
  type CompareSource,
  type LiveComparison,
  type LiveSide,
} from './compare-report.js';
