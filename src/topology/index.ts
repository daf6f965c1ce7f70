export {
  Topology,
  type Location,
  type BypassId,
  type PathLink,
  type SitePath,
} from './topology.js';
