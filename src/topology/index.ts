/**
 * The topology layer's public surface: the network of a scenario as pure queries (subnets,
 * sites, regions, paths between sites, bypass IDs, Edges). Nothing here knows of calls,
 * decisions or the ledger; the policy layer asks these questions and explains the answers.
 */
export {
  Topology,
  type Location,
  type BypassId,
  type PathLink,
  type SitePath,
} from './topology.js';
export {
  clientBypassId,
  gatewayBypassId,
  type BypassIdAssignment,
  type BypassIdSource,
  type ClientBypassIdAssignment,
  type GatewayBypassIdAssignment,
} from './bypass-ids.js';
export { nearestEdge } from './edges.js';
