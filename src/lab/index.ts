export { runLab, CALL_HEADER, type LabOptions, type LabProgress, type LabResult } from './lab.js';
export { assignLoopback, PSTN_HOST, type Addressing } from './addressing.js';
export { endpointMedia } from './endpoint-media.js';
export type {
  MediaFactory,
  MediaSession,
  MediaSessionOptions,
  MediaSnapshot,
} from './media-session.js';
export { PolicyService } from './policy-service.js';
