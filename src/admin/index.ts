/**
 * The administration layer's public face: Skype for Business Server cmdlets in PowerShell
 * syntax run against a scenario's text under an RBAC role (`AdminSession`), the roles, and the
 * scenario's configuration exported to the cmdlets that would configure a real deployment, and
 * imported back. Pure: text in, text and records out; no files, no sockets.
 *
 * This layer must not know SIP, media, the live lab or the CLI.
 */
export {
  AdminSession,
  type CommandRecord,
  type Outcome,
  type RunOutcome,
  type SessionOptions,
} from './session.js';
export { parseScript, PowerShellSyntaxError } from './powershell/parser.js';
export type { Statement, SourcePos } from './powershell/ast.js';
export {
  authorize,
  DEFAULT_SERVER_ADMINISTRATOR_SCOPE,
  describeRole,
  FAMILIES,
  FAMILY_TITLES,
  PREDEFINED_ROLES,
  resolveRole,
  roleNames,
  SERVER_ADMINISTRATOR_SCOPES,
  type ChangeTarget,
  type CustomRoleDefinition,
  type Family,
  type PredefinedRole,
  type Role,
  type ServerAdministratorScope,
} from './rbac.js';
export { CMDLETS, cmdletHelp, findCmdlet } from './cmdlets.js';
export type { CmdletSpec, ParamSpec } from './cmdlet.js';
export { PsObject, type PsValue, displayValue } from './values.js';
export { configView, getObjects } from './views.js';
export { exportPowerShell, psValue } from './export.js';
export { CONFIGURATION_SECTIONS, importPowerShell, type ImportResult } from './import.js';
