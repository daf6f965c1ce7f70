export {
  cleanNetns,
  NetnsNetwork,
  netnsAvailable,
  planNetns,
  NETNS_PREFIX,
  type NetnsPlan,
  type SitePlan,
} from './netns.js';
export { runIdsInUse } from './netns.js';
export { configureHost } from './host-config.js';
