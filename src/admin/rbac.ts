/**
 * Role-based access control for the cmdlets: the predefined Skype for Business Server roles,
 * roles scoped to sites (`New-CsAdminRole -Template ... -ConfigScopes site:X`), and the
 * decision whether a role may run a cmdlet on an object. A denial names the role and says what
 * the role may do instead.
 *
 * Every cmdlet belongs to a family (network configuration, trunk configurations, voice
 * policies and routes, media configurations); a role may read some families and change some.
 * What an object's scope is (global, or a site) is given by the caller.
 *
 * One point is open in the documentation (domain.md A8): the media bypass deployment topic
 * lists CsServerAdministrator for every step (trunks, global bypass, subnets), while the role
 * descriptions say a server administrator cannot make changes of global scope. That is the
 * setting {@link ServerAdministratorScope}: `no-global` (the default) lets CsServerAdministrator
 * change only objects of site or service scope, `deploy-table` follows the deployment topic.
 * The conservative reading is the default because a denial that should not have happened
 * costs a trainee a question, a change that should have been denied teaches the wrong thing.
 *
 * This file must not know the scenario, the YAML file or how a cmdlet changes anything.
 */

/** The families of cmdlets, as RBAC sees them. */
export const FAMILIES = ['network', 'trunk', 'voice', 'media'] as const;
/** One of {@link FAMILIES}. */
export type Family = (typeof FAMILIES)[number];

/** What each family covers, for messages and docs. */
export const FAMILY_TITLES: Readonly<Record<Family, string>> = {
  network:
    'network configuration (media bypass settings, CAC, regions, sites, subnets, bandwidth profiles, region links and routes, inter-site policies)',
  trunk: 'trunk configurations',
  voice: 'voice policies, voice routes and PSTN usages',
  media: 'media configurations',
};

/** How CsServerAdministrator is read (domain.md A8). */
export const SERVER_ADMINISTRATOR_SCOPES = ['no-global', 'deploy-table'] as const;
/** One of {@link SERVER_ADMINISTRATOR_SCOPES}; the default is `no-global`. */
export type ServerAdministratorScope = (typeof SERVER_ADMINISTRATOR_SCOPES)[number];
/** The conservative default of A8. */
export const DEFAULT_SERVER_ADMINISTRATOR_SCOPE: ServerAdministratorScope = 'no-global';

/** A predefined role: what it may read and change. */
export interface PredefinedRole {
  readonly name: string;
  readonly summary: string;
  readonly read: readonly Family[];
  readonly write: readonly Family[];
  /** An Active Directory group rather than an RBAC role (the on-server groups). */
  readonly group: boolean;
}

const ALL: readonly Family[] = FAMILIES;

/** The predefined roles and groups, in the order the docs list them. */
export const PREDEFINED_ROLES: readonly PredefinedRole[] = [
  {
    name: 'CsAdministrator',
    summary: 'All administrative tasks, every setting.',
    read: ALL,
    write: ALL,
    group: false,
  },
  {
    name: 'CsVoiceAdministrator',
    summary:
      'Voice settings and policies: trunks, global media bypass, network sites and subnets, voice policies.',
    read: ALL,
    write: ALL,
    group: false,
  },
  {
    name: 'CsServerAdministrator',
    summary:
      'Servers and services: trunk, media and (with deploy-table) network configuration; no change of global scope by default (A8).',
    read: ALL,
    write: ['network', 'trunk', 'media'],
    group: false,
  },
  {
    name: 'CsViewOnlyAdministrator',
    summary: 'Views the deployment: Get- cmdlets only.',
    read: ALL,
    write: [],
    group: false,
  },
  {
    name: 'CsHelpDesk',
    summary: 'Views users, policies and configuration for troubleshooting; changes nothing here.',
    read: ALL,
    write: [],
    group: false,
  },
  {
    name: 'CsUserAdministrator',
    summary: 'Enables and moves users and assigns existing policies: reads voice policies only.',
    read: ['voice'],
    write: [],
    group: false,
  },
  {
    name: 'CsLocationAdministrator',
    summary: 'E9-1-1 locations only: none of these cmdlets.',
    read: [],
    write: [],
    group: false,
  },
  {
    name: 'CsArchivingAdministrator',
    summary: 'Archiving only: none of these cmdlets.',
    read: [],
    write: [],
    group: false,
  },
  {
    name: 'CsResponseGroupAdministrator',
    summary: 'Response Group only: none of these cmdlets.',
    read: [],
    write: [],
    group: false,
  },
  {
    name: 'CsResponseGroupManager',
    summary: 'Response Group queues only: none of these cmdlets.',
    read: [],
    write: [],
    group: false,
  },
  {
    name: 'CsPersistentChatAdministrator',
    summary: 'Persistent Chat only: none of these cmdlets.',
    read: [],
    write: [],
    group: false,
  },
  {
    name: 'RTCUniversalServerAdmins',
    summary: 'The on-server administrators group: every setting.',
    read: ALL,
    write: ALL,
    group: true,
  },
  {
    name: 'RTCUniversalUserAdmins',
    summary: 'The on-server user administrators group: reads the network configuration only.',
    read: ['network'],
    write: [],
    group: true,
  },
  {
    name: 'RTCUniversalReadOnlyAdmins',
    summary: 'The on-server read-only group: Get- cmdlets only.',
    read: ALL,
    write: [],
    group: true,
  },
];

/** A role made from a predefined one, optionally limited to sites (New-CsAdminRole). */
export interface CustomRoleDefinition {
  readonly name: string;
  readonly template: string;
  /** `site:<name>` entries; empty or absent means global. */
  readonly configScopes?: readonly string[] | undefined;
}

/** A role as the shell uses it. */
export interface Role {
  /** The name the trainee acts under (a predefined role, or a custom one). */
  readonly name: string;
  /** The predefined role it is, or is made from. */
  readonly template: PredefinedRole;
  /** The sites it is limited to; null for global scope. */
  readonly sites: readonly string[] | null;
  /** A8, for CsServerAdministrator. */
  readonly serverAdministratorScope: ServerAdministratorScope;
}

/** What a cmdlet would change: a global object, or one of a site. */
export type ChangeTarget =
  | { readonly scope: 'global'; readonly identity: string }
  | { readonly scope: 'site'; readonly site: string; readonly identity: string };

/** Why a role may not run a cmdlet. */
export interface Denial {
  readonly message: string;
}

/**
 * Finds a role by name (any letter case): a predefined role, or a custom one; `scope` adds a
 * site limit (`site:Portland`), as `-ConfigScopes` does.
 *
 * @returns The role, or a one-line reason it cannot be made.
 */
export function resolveRole(
  name: string,
  options: {
    readonly custom?: readonly CustomRoleDefinition[];
    readonly scopes?: readonly string[];
    readonly serverAdministratorScope?: ServerAdministratorScope;
  } = {},
): Role | string {
  const lower = name.toLowerCase();
  const custom = options.custom?.find((r) => r.name.toLowerCase() === lower);
  const templateName = custom?.template ?? name;
  const template = PREDEFINED_ROLES.find(
    (r) => r.name.toLowerCase() === templateName.toLowerCase(),
  );
  if (template === undefined) {
    return custom === undefined
      ? `unknown role "${name}" (expected one of ${roleNames(options.custom).join(', ')})`
      : `role "${custom.name}" has an unknown template "${custom.template}"`;
  }
  const scopes = [...(custom?.configScopes ?? []), ...(options.scopes ?? [])];
  const sites: string[] = [];
  for (const s of scopes) {
    const m = /^site:(.+)$/i.exec(s.trim());
    if (m?.[1] !== undefined) {
      sites.push(m[1]);
    } else if (s.trim().toLowerCase() !== 'global') {
      return `config scope "${s}" is not global or site:<name>`;
    }
  }
  return {
    name: custom?.name ?? template.name,
    template,
    sites: sites.length > 0 ? sites : null,
    serverAdministratorScope:
      options.serverAdministratorScope ?? DEFAULT_SERVER_ADMINISTRATOR_SCOPE,
  };
}

/** Every role name the shell knows: the predefined ones, then the custom ones. */
export function roleNames(custom: readonly CustomRoleDefinition[] = []): string[] {
  return [...PREDEFINED_ROLES.map((r) => r.name), ...custom.map((r) => r.name)];
}

/** The role as one phrase: `ChicagoVoice (CsVoiceAdministrator, site:Chicago)`. */
export function describeRole(role: Role): string {
  const parts: string[] = [];
  if (role.name !== role.template.name) {
    parts.push(role.template.name);
  }
  if (role.sites !== null) {
    parts.push(role.sites.map((s) => `site:${s}`).join(', '));
  }
  return parts.length ? `${role.name} (${parts.join(', ')})` : role.name;
}

/**
 * Whether a role may run a cmdlet of a family. `target` is what a change would touch; it is
 * null for a read, and for a change whose object is not known yet (then only the family is
 * checked, and the caller asks again with the target).
 *
 * @returns null when allowed, else the denial.
 */
export function authorize(
  role: Role,
  cmdlet: { readonly name: string; readonly family: Family; readonly access: 'read' | 'write' },
  target: ChangeTarget | null,
): Denial | null {
  const who = `the role ${describeRole(role)}`;
  if (cmdlet.access === 'read') {
    return role.template.read.includes(cmdlet.family)
      ? null
      : { message: `Access denied: ${who} may not run ${cmdlet.name} (${mayDo(role)})` };
  }
  if (!role.template.write.includes(cmdlet.family)) {
    return {
      message: `Access denied: ${who} may not run ${cmdlet.name}: it may not change ${FAMILY_TITLES[cmdlet.family]} (${mayDo(role)})`,
    };
  }
  if (target === null) {
    return null;
  }
  if (
    role.template.name === 'CsServerAdministrator' &&
    role.serverAdministratorScope === 'no-global' &&
    target.scope === 'global'
  ) {
    return {
      message: `Access denied: ${who} may not make changes of global scope (${target.identity}); it may change objects of a site or a service only (setting A8: serverAdministratorScope no-global)`,
    };
  }
  if (role.sites !== null) {
    const allowed = role.sites.map((s) => s.toLowerCase());
    if (target.scope === 'global' || !allowed.includes(target.site.toLowerCase())) {
      const what =
        target.scope === 'global'
          ? `${target.identity} (global scope)`
          : `${target.identity} (site:${target.site})`;
      return {
        message: `Access denied: ${who} may not change ${what}: its scope is ${role.sites.map((s) => `site:${s}`).join(', ')}`,
      };
    }
  }
  return null;
}

/** What a role may do, in a few words, for a denial. */
function mayDo(role: Role): string {
  const t = role.template;
  if (t.write.length > 0) {
    return `it may change ${t.write.map((f) => FAMILY_TITLES[f].split(' (')[0]).join(', ')}`;
  }
  if (t.read.length === FAMILIES.length) {
    return 'it may only read: Get- cmdlets';
  }
  if (t.read.length > 0) {
    return `it may only read ${t.read.map((f) => FAMILY_TITLES[f].split(' (')[0]).join(', ')}`;
  }
  return 'it has none of these cmdlets';
}
