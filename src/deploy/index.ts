/**
 * Deployment of a scenario outside this process: the Docker Compose file (`mediapath
 * compose`). Pure planning and rendering; nothing here starts a container.
 */
export {
  APP_DIR,
  composeFor,
  CONTROL_PORT,
  describePlan,
  IMAGE,
  MOUNT_DIR,
  type ComposeDocument,
  type ComposeOptions,
  type ComposeResult,
  type ScenarioSource,
} from './compose.js';
export {
  CONTROL_NETWORK,
  INTERNET_NETWORK,
  ORCHESTRATOR_SERVICE,
  PSTN_NETWORK,
  PSTN_SUBNET,
  ROUTER_SERVICE,
  type ComposePlan,
  type NetworkPlan,
  type ServicePlan,
} from './compose-plan.js';
