/**
 * The live lab: runs a scenario with real SIP and RTP, on loopback in one process
 * (`runLab`) or one process per host (`runAgent`, `runOrchestrated`). What the CLI uses; the
 * deploy layer imports `addressing.ts` alone.
 */
export { runLab, LoopbackLab, type LongRunningOptions } from './loopback-lab.js';
export {
  LiveRounds,
  roundCallId,
  roundPeriodMs,
  type LiveRoundsOptions,
  type RoundCall,
} from './live-rounds.js';
export { ConfigView } from './config-view.js';
export {
  Lab,
  SIP_PORTS,
  type LabOptions,
  type LabPlacement,
  type LabProgress,
  type LabResult,
} from './lab.js';
export { CALL_HEADER } from './call-observations.js';
export type { RelayControl } from './host-context.js';
export {
  assignLoopback,
  scenarioAddressing,
  runHosts,
  PSTN_HOST,
  PSTN_IP,
  type Addressing,
} from './addressing.js';
export { endpointMedia } from './endpoint-media.js';
export type {
  MediaFactory,
  MediaSession,
  MediaSessionOptions,
  MediaSnapshot,
} from './media-session.js';
export { runAgent, type AgentOptions } from './agent.js';
export { runOrchestrated, type AgentProcesses, type OrchestratorOptions } from './orchestrator.js';
export { RunCapture, rewriteSip, type CaptureSink } from './capture.js';
