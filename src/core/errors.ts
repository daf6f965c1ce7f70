/**
 * The one registry of stable error codes, and the error classes that carry them.
 *
 * Users and tests match on `code`, never on `instanceof` or message text. Every code here is
 * documented in docs/errors.md and raised somewhere in `src/` (a test checks both). This file
 * must not know which layer raises a code, nor how the CLI turns codes into exit codes.
 */
export const ErrorCodes = {
  // Scenario (loading and validation).
  SCENARIO_READ: 'SIM_ERR_SCENARIO_READ',
  SCENARIO_YAML: 'SIM_ERR_SCENARIO_YAML',
  SCENARIO_SCHEMA: 'SIM_ERR_SCENARIO_SCHEMA',
  SCENARIO_UNKNOWN_REF: 'SIM_ERR_SCENARIO_UNKNOWN_REF',
  SCENARIO_DUPLICATE: 'SIM_ERR_SCENARIO_DUPLICATE',
  SCENARIO_RULE: 'SIM_ERR_SCENARIO_RULE',
  SCENARIO_INVALID: 'SIM_ERR_SCENARIO_INVALID',
  // Policy.
  LEDGER_UNKNOWN_RESERVATION: 'SIM_ERR_LEDGER_UNKNOWN_RESERVATION',
  // SIP.
  SIP_BIND: 'SIM_ERR_SIP_BIND',
  SIP_BAD_MESSAGE: 'SIM_ERR_SIP_BAD_MESSAGE',
  // Media.
  MEDIA_BIND: 'SIM_ERR_MEDIA_BIND',
  MEDIA_PORTS_EXHAUSTED: 'SIM_ERR_MEDIA_PORTS_EXHAUSTED',
  MEDIA_UNKNOWN_SESSION: 'SIM_ERR_MEDIA_UNKNOWN_SESSION',
  // Lab, network and CLI.
  LAB_SETUP: 'SIM_ERR_LAB_SETUP',
  NET_UNSUPPORTED: 'SIM_ERR_NET_UNSUPPORTED',
  CLI_USAGE: 'SIM_ERR_CLI_USAGE',
  CLI_OUTPUT: 'SIM_ERR_CLI_OUTPUT',
  // Report.
  REPORT_INPUT: 'SIM_ERR_REPORT_INPUT',
  // Administration (cmdlets in PowerShell syntax, RBAC roles).
  ADMIN_SYNTAX: 'SIM_ERR_ADMIN_SYNTAX',
  ADMIN_UNKNOWN_COMMAND: 'SIM_ERR_ADMIN_UNKNOWN_COMMAND',
  ADMIN_PARAMETER: 'SIM_ERR_ADMIN_PARAMETER',
  ADMIN_IDENTITY: 'SIM_ERR_ADMIN_IDENTITY',
  ADMIN_REFUSED: 'SIM_ERR_ADMIN_REFUSED',
  ADMIN_ACCESS_DENIED: 'SIM_ERR_ADMIN_ACCESS_DENIED',
  // Labs.
  LAB_DEFINITION: 'SIM_ERR_LAB_DEFINITION',
  INTERNAL: 'SIM_ERR_INTERNAL',
} as const;

/** One of the stable codes of {@link ErrorCodes}. */
export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

/** Base of every error mediapath throws on purpose. */
export class SimError extends Error {
  /** The stable code to match on. */
  readonly code: ErrorCode;
  /** Structured facts about the error, for logs and JSON output. */
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options?: { cause?: unknown; details?: Record<string, unknown> },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SimError';
    this.code = code;
    this.details = options?.details;
  }
}

/** A bug in mediapath itself (a state that cannot happen): please report it. */
export class InternalError extends SimError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCodes.INTERNAL, `internal error (a bug in mediapath): ${message}`, options);
    this.name = 'InternalError';
  }
}

/** True when `e` is a SimError with the given code. */
export function hasCode(e: unknown, code: ErrorCode): e is SimError {
  return e instanceof Error && (e as Partial<SimError>).code === code;
}
