export {
  cleanNetns,
  NetnsNetwork,
  netnsAvailable,
  planNetns,
  NETNS_PREFIX,
  type NetnsPlan,
  type SitePlan,
} from './netns.js';
