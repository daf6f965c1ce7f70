/**
 * The `net` folder's public face: namespaces per site for the multi-process mode, and the
 * address and route set-up of a container host. Runs `ip` and `tc`; knows nothing of SIP,
 * media or policy.
 */
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
