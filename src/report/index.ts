/**
 * The report layer's public surface: decisions and observations turned into text, JSON result
 * documents and the HTML page (explain, with the ledger over time; the run table; the pcapng
 * writer; the rules reference). Pure: it must not know sockets, nor how a decision is made.
 */
export {
  explainCalls,
  explainJson,
  formatExplain,
  formatLedger,
  ledgerCsv,
  ledgerOverTime,
  LEDGER_CSV_COLUMNS,
  type ExplainedCall,
  type LedgerChecks,
  type LedgerLink,
  type LedgerOverTime,
  type LedgerRow,
} from './explain.js';
export {
  checkExpectation,
  formatHostPath,
  type CallOutcome,
  type ExpectationFailure,
} from './expectations.js';
export { styler, pad, visibleLength, decisionColour, type Styler } from './style.js';
export {
  followMedia,
  observeCall,
  MIN_PACKETS_FOR_PATH,
  type CallMedia,
  type DirectionPath,
  type Divergence,
  type HostDrop,
  type MediaDirection,
  type ObservedCall,
  type ReceivedStream,
} from './observed.js';
export {
  buildRunResults,
  callJson,
  formatLinks,
  type LinkObservation,
  formatAddresses,
  formatLost,
  formatPeers,
  formatRunTable,
  legText,
  runJson,
  type CallEndState,
  type LegView,
  type LostHost,
  type PeerHealth,
  type PeerStateChange,
  type RunCallInput,
  type RunCallResult,
  type SipLogEntry,
} from './run.js';
export { withContrast, type RunContrast } from './run-contrast.js';
export { PcapngWriter, type CapturedDatagram } from './pcapng.js';
export { renderHtmlReport, ResultShapeError } from './html/index.js';
export { formatSavedResult, type SavedTableOptions } from './saved-table.js';
export { topologyView, type TopologyView } from './topology-view.js';
export { RESULT_FORMAT, RESULT_VERSION, type LedgerEvent } from './result.js';
export { ruleAnchor, ruleEntry, rulesMarkdown, RULE_BOOK } from './rule-book.js';
