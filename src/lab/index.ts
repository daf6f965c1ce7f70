export {
  runLab,
  CALL_HEADER,
  SIP_PORTS,
  type LabOptions,
  type LabProgress,
  type LabResult,
} from './lab.js';
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
export { PolicyService } from './policy-service.js';
export { runAgent, type AgentOptions } from './agent.js';
export { runOrchestrated, type AgentProcesses, type OrchestratorOptions } from './orchestrator.js';
