/**
 * The Get-, New-, Set- and Remove- cmdlets of every kind of configuration object kept as a
 * list (regions, sites, subnets, bandwidth profiles, region links and routes, inter-site
 * policies, trunk, media configurations, voice policies), made from the kind's descriptor in
 * `objects.ts`: identity by `-Identity`, by the kind's own identity parameter or by position;
 * `-Filter` with wildcards on Get-; `-Instance` on Set- (an object from Get- with properties
 * changed); `$null` clears a setting on Set-.
 *
 * This file must not know roles (it asks the call to authorize a target), validation, or any
 * particular kind.
 */
import { ErrorCodes, SimError } from '../core/index.js';
import {
  applyList,
  BoundArgs,
  isListValue,
  parameterError,
  type CmdletCall,
  type CmdletSpec,
  type ParamSpec,
} from './cmdlet.js';
import { findItem } from './config-document.js';
import { fieldValue, type CollectionKind, type ConfigView, type FieldDef } from './objects.js';
import { displayValue, PsObject } from './values.js';

/** Work a kind does beyond its fields (the PSTN usages of a voice policy). */
export interface KindHooks {
  readonly extraParams?: readonly ParamSpec[];
  /** After New- or Set- wrote the fields of item `index`. */
  afterWrite?(call: CmdletCall, id: string, index: number): void;
  /** After Remove- removed the item. */
  afterRemove?(call: CmdletCall, id: string): void;
}

/** The four cmdlets of a kind. */
export function collectionCmdlets(kind: CollectionKind, hooks: KindHooks = {}): CmdletSpec[] {
  return [
    getCmdlet(kind),
    newCmdlet(kind, hooks),
    setCmdlet(kind, hooks),
    removeCmdlet(kind, hooks),
  ];
}

const identityParam = (kind: CollectionKind, required: boolean): ParamSpec => ({
  name: 'Identity',
  type: 'string',
  required,
  help: `The ${kind.title}'s identity.`,
});

function fieldParams(kind: CollectionKind): ParamSpec[] {
  return kind.fields.map((f) => ({
    name: f.ps,
    type: f.type,
    ...(f.values ? { values: f.values } : {}),
    help: f.help,
  }));
}

function getCmdlet(kind: CollectionKind): CmdletSpec {
  return {
    name: `Get-${kind.noun}`,
    family: kind.family,
    access: 'read',
    changesFile: false,
    synopsis: `Shows ${plural(kind.title)} (all, one by -Identity, or those matching -Filter).`,
    params: [
      identityParam(kind, false),
      { name: 'Filter', type: 'string', help: 'Identities matching a wildcard pattern (* and ?).' },
      { name: 'LocalStore', type: 'switch', help: 'Accepted.' },
    ],
    positional: ['Identity'],
    notModelled: [],
    run(call) {
      const view = call.view();
      const all = allViews(kind, view);
      const id = call.args.text('Identity');
      if (typeof id === 'string') {
        const want = kind.parseIdentity(id, view) ?? id;
        const found = all.filter(
          (o) =>
            displayValue(o.get('Identity') ?? null).toLowerCase() ===
            kind.showIdentity(want).toLowerCase(),
        );
        if (found.length === 0) {
          throw new SimError(
            ErrorCodes.ADMIN_IDENTITY,
            `Cannot get ${kind.title} "${id}" because it does not exist.`,
          );
        }
        return found;
      }
      const filter = call.args.text('Filter');
      if (typeof filter === 'string') {
        const re = wildcard(filter);
        return all.filter((o) => re.test(displayValue(o.get('Identity') ?? null)));
      }
      return all;
    },
  };
}

/** Every item of a kind as Get- shows it, from the model. */
export function allViews(kind: CollectionKind, view: ConfigView): PsObject[] {
  const count = modelCount(kind, view);
  const out: PsObject[] = [];
  for (let i = 0; i < count; i++) {
    out.push(kind.view(view, i));
  }
  return out;
}

function modelCount(kind: CollectionKind, v: ConfigView): number {
  const s = v.scenario;
  const [a, b] = kind.path;
  if (a === 'network' && typeof b === 'string') {
    return (s.network as unknown as Record<string, readonly unknown[]>)[b]?.length ?? 0;
  }
  return (s as unknown as Record<string, readonly unknown[]>)[a as string]?.length ?? 0;
}

/** A PowerShell wildcard pattern as a case-insensitive regular expression. */
export function wildcard(pattern: string): RegExp {
  const body = pattern
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${body}$`, 'i');
}

/** The identity given by -Identity, the kind's own parameter, or -Instance. */
function identityOf(kind: CollectionKind, args: BoundArgs): string | null {
  const inst = args.get('Instance');
  if (inst instanceof PsObject) {
    const id = inst.get('Identity');
    return typeof id === 'string' ? id : null;
  }
  const id = args.text('Identity');
  if (typeof id === 'string') {
    return id;
  }
  const own = kind.idParam === null ? undefined : args.text(kind.idParam);
  return typeof own === 'string' ? own : null;
}

function parseOrFail(kind: CollectionKind, text: string, view: ConfigView | null): string {
  const id = kind.parseIdentity(text, view);
  if (id === null) {
    throw parameterError(
      `"${text}" is not a valid identity for a ${kind.title}${kind.idKey === 'scope' ? `: use Global${kind.noun === 'CsTrunkConfiguration' ? ', site:<name> or PstnGateway:<name>' : ' or site:<name>'}` : ''}.`,
    );
  }
  return id;
}

function newCmdlet(kind: CollectionKind, hooks: KindHooks): CmdletSpec {
  const params: ParamSpec[] = [identityParam(kind, kind.idParam === null), ...fieldParams(kind)];
  if (kind.idParam !== null) {
    params.push({ name: kind.idParam, type: 'string', help: `The same as -Identity.` });
  }
  params.push(...(hooks.extraParams ?? []));
  params.push({ name: 'InMemory', type: 'switch', help: 'Not supported: the change is made.' });
  return {
    name: `New-${kind.noun}`,
    family: kind.family,
    access: 'write',
    changesFile: true,
    synopsis: `Creates ${article(kind.title)}.`,
    params,
    positional: ['Identity'],
    notModelled: kind.notModelled,
    run(call) {
      const text = identityOf(kind, call.args);
      if (text === null) {
        throw parameterError(
          `Cannot process command because of one or more missing mandatory parameters: Identity.`,
        );
      }
      const view = safeView(call);
      const id = parseOrFail(kind, text, view);
      call.authorize(kind.target(id, view));
      const items = call.doc.items(kind.path);
      if (findItem(items, kind.idKey, id) >= 0 || (kind.implicitGlobal && id === 'global')) {
        throw new SimError(
          ErrorCodes.ADMIN_IDENTITY,
          `Cannot create ${kind.title} "${kind.showIdentity(id)}" because it already exists. Use Set-${kind.noun} to change it.`,
        );
      }
      const missing = kind.requiredOnNew.filter((p) => !call.args.has(p));
      if (missing.length > 0) {
        throw parameterError(
          `Cannot process command because of one or more missing mandatory parameters: ${missing.join(' ')}.`,
        );
      }
      const item: Record<string, unknown> = { [kind.idKey]: id };
      for (const f of kind.fields) {
        writeField(item, f, call.args, []);
      }
      const ordered = orderKeys(item, kind.keyOrder);
      const index = call.doc.append(kind.path, ordered);
      hooks.afterWrite?.(call, id, index);
      return [];
    },
  };
}

function setCmdlet(kind: CollectionKind, hooks: KindHooks): CmdletSpec {
  return {
    name: `Set-${kind.noun}`,
    family: kind.family,
    access: 'write',
    changesFile: true,
    synopsis: `Changes ${article(kind.title)}; $null clears a setting.`,
    params: [
      identityParam(kind, false),
      ...fieldParams(kind),
      ...(hooks.extraParams ?? []),
      {
        name: 'Instance',
        type: 'object',
        objectType: kind.noun,
        help: `A ${kind.title} from Get-${kind.noun}, with properties changed.`,
      },
    ],
    positional: ['Identity'],
    notModelled: kind.notModelled,
    run(call) {
      const text = identityOf(kind, call.args) ?? (kind.implicitGlobal ? 'Global' : null);
      if (text === null) {
        throw parameterError(
          `Cannot process command because of one or more missing mandatory parameters: Identity.`,
        );
      }
      const view = safeView(call);
      const id = parseOrFail(kind, text, view);
      call.authorize(kind.target(id, view));
      let index = findItem(call.doc.items(kind.path), kind.idKey, id);
      if (index < 0) {
        if (!(kind.implicitGlobal && id === 'global')) {
          throw new SimError(
            ErrorCodes.ADMIN_IDENTITY,
            `Cannot set ${kind.title} "${kind.showIdentity(id)}" because it does not exist. Create it with New-${kind.noun}.`,
          );
        }
        index = call.doc.append(kind.path, { [kind.idKey]: 'global' });
      }
      const current = (call.doc.items(kind.path)[index] ?? {}) as Record<string, unknown>;
      const inst = call.args.get('Instance');
      const args = inst instanceof PsObject ? instanceArgs(kind, inst, current) : call.args;
      const item: Record<string, unknown> = { ...current };
      const cleared: string[] = [];
      for (const f of kind.fields) {
        writeField(item, f, args, cleared);
      }
      for (const key of new Set([...Object.keys(item), ...cleared])) {
        const at = [...kind.path, index, key];
        if (cleared.includes(key) && !(key in item)) {
          call.doc.delete(at);
        } else if (JSON.stringify(item[key]) !== JSON.stringify(current[key])) {
          call.doc.set(at, item[key], kind.keyOrder);
        }
      }
      hooks.afterWrite?.(call, id, index);
      return [];
    },
  };
}

function removeCmdlet(kind: CollectionKind, hooks: KindHooks): CmdletSpec {
  return {
    name: `Remove-${kind.noun}`,
    family: kind.family,
    access: 'write',
    changesFile: true,
    synopsis: kind.implicitGlobal
      ? `Removes ${article(kind.title)} (the global one is reset to its defaults).`
      : `Removes ${article(kind.title)}.`,
    params: [identityParam(kind, !kind.implicitGlobal)],
    positional: ['Identity'],
    notModelled: [],
    run(call) {
      const text = call.args.text('Identity') ?? 'Global';
      const view = safeView(call);
      const id = parseOrFail(kind, text, view);
      call.authorize(kind.target(id, view));
      const index = findItem(call.doc.items(kind.path), kind.idKey, id);
      if (index < 0) {
        if (kind.implicitGlobal && id === 'global') {
          return [];
        }
        throw new SimError(
          ErrorCodes.ADMIN_IDENTITY,
          `Cannot remove ${kind.title} "${kind.showIdentity(id)}" because it does not exist.`,
        );
      }
      call.doc.removeItem(kind.path, index);
      hooks.afterRemove?.(call, id);
      return [];
    },
  };
}

/** The view, or null when the configuration cannot be shown (a script being imported). */
function safeView(call: CmdletCall): ConfigView | null {
  try {
    return call.view();
  } catch {
    return null;
  }
}

/**
 * Writes one field's argument into an item: a value sets the key (a pair's element, a list),
 * `$null` clears it.
 *
 * @throws {SimError} `SIM_ERR_ADMIN_PARAMETER` for `$null` on a key that cannot be empty.
 */
function writeField(
  item: Record<string, unknown>,
  f: FieldDef,
  args: BoundArgs,
  cleared: string[],
): void {
  if (!args.has(f.ps)) {
    return;
  }
  const v = args.get(f.ps);
  if (v === null) {
    if (f.index !== undefined || f.key === 'links') {
      throw parameterError(`Cannot bind argument to parameter '${f.ps}' because it is null.`);
    }
    delete item[f.key];
    cleared.push(f.key);
    return;
  }
  if (f.index !== undefined) {
    const pair = Array.isArray(item[f.key]) ? [...(item[f.key] as unknown[])] : ['', ''];
    pair[f.index] = v;
    item[f.key] = pair;
    return;
  }
  if (f.commaList === true && typeof v === 'string') {
    item[f.key] = v
      .split(',')
      .map((x) => x.trim())
      .filter((x) => x !== '');
    return;
  }
  if (isListValue(v)) {
    const current = Array.isArray(item[f.key]) ? (item[f.key] as unknown[]).map(String) : [];
    item[f.key] = applyList(current, v);
    return;
  }
  item[f.key] = v;
}

/** The arguments an -Instance object stands for: its properties that differ from the file. */
function instanceArgs(
  kind: CollectionKind,
  inst: PsObject,
  current: Record<string, unknown>,
): BoundArgs {
  const out = new BoundArgs();
  for (const f of kind.fields) {
    const v = inst.get(f.ps);
    if (v === undefined || f.commaList === true) {
      continue;
    }
    const now = fieldValue(current, f);
    if (JSON.stringify(v) !== JSON.stringify(now)) {
      out.set(f.ps, Array.isArray(v) ? { kind: 'replace', items: v.map(String) } : v);
    }
  }
  return out;
}

/** An object with its keys in a given order (the rest after). */
function orderKeys(
  item: Record<string, unknown>,
  order: readonly string[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of order) {
    if (k in item) {
      out[k] = item[k];
    }
  }
  for (const k of Object.keys(item)) {
    if (!(k in out)) {
      out[k] = item[k];
    }
  }
  return out;
}

/** `network sites`, `voice policies`. */
function plural(title: string): string {
  return title.endsWith('y') ? `${title.slice(0, -1)}ies` : `${title}s`;
}

/** `a network site`, `an inter-site policy`. */
function article(title: string): string {
  return `${/^[aeiou]/i.test(title) ? 'an' : 'a'} ${title}`;
}
