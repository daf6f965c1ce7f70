/**
 * Small checks that several groups of rules share: a reference to a named object, a trunk or
 * media configuration scope, a regular expression, a GUID. Each reports through the context of
 * the rule that calls it, so the problem carries that rule's id.
 *
 * This file must not know which rule calls it, nor YAML, zod or source positions.
 */
import { ErrorCodes, InternalError } from '../../core/index.js';
import type { PathSegments } from '../problems.js';
import type { RuleContext } from './rule.js';

const GUID = /^\{?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\}?$/;

/** True for a GUID, with or without braces. */
export function isGuid(text: string): boolean {
  return GUID.test(text);
}

/** Up to eight names, comma-separated, for an `(expected ...)` part. */
export function listOf(names: Iterable<string>): string {
  const all = [...names];
  return all.length > 8 ? `${all.slice(0, 8).join(', ')}, ...` : all.join(', ');
}

/** Reports `unknown <what> "<value>"` when a given name (not `null`) is not among `known`. */
export function knownName(
  ctx: RuleContext,
  path: PathSegments,
  value: string | null,
  known: ReadonlySet<string>,
  what: string,
): void {
  if (value !== null && !known.has(value)) {
    ctx.error(path, ErrorCodes.SCENARIO_UNKNOWN_REF, `unknown ${what} "${value}"`, {
      expected: known.size ? `one of ${listOf(known)}` : `a ${what} defined in the scenario`,
    });
  }
}

/** Reports a `site:<name>` or `pstnGateway:<name>` scope that names nothing known. */
export function knownScope(
  ctx: RuleContext,
  path: PathSegments,
  scope: string,
  sites: ReadonlySet<string>,
  gateways: ReadonlySet<string>,
): void {
  if (scope.startsWith('site:') && !sites.has(scope.slice(5))) {
    ctx.error(path, ErrorCodes.SCENARIO_UNKNOWN_REF, `unknown site "${scope.slice(5)}" in scope`, {
      expected: `site:<one of ${listOf(sites)}>`,
    });
  }
  if (scope.startsWith('pstnGateway:') && !gateways.has(scope.slice(12))) {
    ctx.error(
      path,
      ErrorCodes.SCENARIO_UNKNOWN_REF,
      `unknown gateway "${scope.slice(12)}" in scope`,
      { expected: `pstnGateway:<one of ${listOf(gateways)}>` },
    );
  }
}

/** Reports a pattern that is not a valid regular expression. */
export function validPattern(ctx: RuleContext, path: PathSegments, pattern: string): void {
  try {
    new RegExp(pattern);
  } catch {
    ctx.error(path, ErrorCodes.SCENARIO_RULE, `"${pattern}" is not a valid regular expression`);
  }
}

/**
 * The element at `index` of a list the caller knows is long enough.
 *
 * @throws InternalError when it is not: a bug in the rules, not a problem of the scenario.
 */
export function elementAt<T>(list: readonly T[], index: number, what: string): T {
  const value = list[index];
  if (value === undefined) {
    throw new InternalError(`${what} ${index} does not exist (${list.length} known)`);
  }
  return value;
}
