/**
 * Voice routing as the cmdlets see it (global PSTN usages, voice routes with their usages and
 * gateways, voice policies with their usages) against the scenario file, which folds into each
 * voice policy the routes its usages reach (`voicePolicies[].routes`) and keeps only the
 * usages for the d.V21 check (`pstnUsages`).
 *
 * The file does not say which usage reaches which route, so a policy's routes in the file are
 * read as the routes of a usage named after it, `"<policy> routes"` (the name `export` writes);
 * that usage is never written to `pstnUsages`. A route added with New-CsVoiceRoute is folded
 * into every policy that has one of its usages.
 *
 * This file must not know how a cmdlet binds its parameters, nor roles or validation.
 */
import { ErrorCodes, SimError } from '../core/index.js';
import { findItem, type ConfigDocument } from './config-document.js';

/** A voice route: its number pattern, usages and gateways (by name). */
export interface VoiceRoute {
  readonly identity: string;
  readonly numberPattern: string;
  readonly usages: readonly string[];
  readonly trunks: readonly string[];
}

/** The usage that stands for the routes the file gives a policy. */
export function policyRoutesUsage(policy: string): string {
  return `${policy} routes`;
}

const POLICIES = ['voicePolicies'] as const;

/** The session's voice routing; a copy goes with each change and is kept when it is. */
export class VoiceRouting {
  readonly usages: string[];
  readonly routes: VoiceRoute[];
  /** Each policy's usages (the routes usage included), by policy name as stored. */
  readonly policyUsages: Map<string, string[]>;

  private constructor(usages: string[], routes: VoiceRoute[], policyUsages: Map<string, string[]>) {
    this.usages = usages;
    this.routes = routes;
    this.policyUsages = policyUsages;
  }

  /** Reads the voice routing of a scenario file. */
  static fromDocument(doc: ConfigDocument): VoiceRouting {
    const usages: string[] = [];
    const routes: VoiceRoute[] = [];
    const policyUsages = new Map<string, string[]>();
    const add = (u: string): void => {
      if (!usages.some((x) => x.toLowerCase() === u.toLowerCase())) {
        usages.push(u);
      }
    };
    for (const item of doc.items(POLICIES)) {
      const o = (item ?? {}) as Record<string, unknown>;
      const name = typeof o.name === 'string' ? o.name : '';
      const own = Array.isArray(o.pstnUsages) ? o.pstnUsages.map(String) : [];
      const list = Array.isArray(o.routes) ? (o.routes as Record<string, unknown>[]) : [];
      const mine = [...own];
      if (list.length > 0) {
        const usage = policyRoutesUsage(name);
        mine.push(usage);
        list.forEach((r, i) => {
          routes.push({
            identity: `${name} route ${i + 1}`,
            numberPattern: typeof r.numberPattern === 'string' ? r.numberPattern : '.*',
            usages: [usage],
            trunks: Array.isArray(r.trunks) ? r.trunks.map(String) : [],
          });
        });
      }
      mine.forEach(add);
      policyUsages.set(name, mine);
    }
    if (!policyUsages.has('global')) {
      policyUsages.set('global', []);
    }
    return new VoiceRouting(usages, routes, policyUsages);
  }

  /** A copy to change. */
  clone(): VoiceRouting {
    return new VoiceRouting(
      [...this.usages],
      this.routes.map((r) => ({ ...r })),
      new Map([...this.policyUsages].map(([k, v]) => [k, [...v]])),
    );
  }

  /**
   * Checks that every usage is in the global list.
   *
   * @throws {SimError} `SIM_ERR_ADMIN_REFUSED` naming the first one that is not.
   */
  checkUsages(list: readonly string[]): void {
    for (const u of list) {
      if (!this.usages.some((x) => x.toLowerCase() === u.toLowerCase())) {
        throw new SimError(
          ErrorCodes.ADMIN_REFUSED,
          `The PSTN usage "${u}" is not in the global PSTN usage list: add it first with Set-CsPstnUsage -Identity Global -Usage @{Add="${u}"}`,
        );
      }
    }
  }

  /** The routes a policy reaches through its usages, in the order they were created. */
  routesOf(policy: string): VoiceRoute[] {
    const mine = (this.policyUsages.get(policy) ?? []).map((u) => u.toLowerCase());
    return this.routes.filter((r) => r.usages.some((u) => mine.includes(u.toLowerCase())));
  }

  /**
   * Writes a policy's routes and usages into the file (`routes`, `pstnUsages`). A policy that
   * is not in the file (the built-in global one) is added only when it has something to hold.
   * `keepEmpty`: the usages were set, to nothing at all: `pstnUsages: []` is written (d.V21).
   */
  sync(doc: ConfigDocument, policy: string, options: { readonly keepEmpty?: boolean } = {}): void {
    const items = doc.items(POLICIES);
    let index = findItem(items, 'name', policy);
    const usages = (this.policyUsages.get(policy) ?? []).filter(
      (u) => u.toLowerCase() !== policyRoutesUsage(policy).toLowerCase(),
    );
    const routes = this.routesOf(policy).map((r) => ({
      numberPattern: r.numberPattern,
      trunks: [...r.trunks],
    }));
    const keepEmpty =
      options.keepEmpty === true && (this.policyUsages.get(policy) ?? []).length === 0;
    if (index < 0) {
      if (usages.length === 0 && routes.length === 0 && !keepEmpty) {
        return;
      }
      index = doc.append(POLICIES, { name: policy });
    }
    const at = [...POLICIES, index];
    if (usages.length > 0) {
      doc.set([...at, 'pstnUsages'], usages);
    } else if (keepEmpty || doc.has([...at, 'pstnUsages'])) {
      doc.set([...at, 'pstnUsages'], []);
    }
    if (routes.length > 0) {
      doc.set([...at, 'routes'], routes);
    } else {
      doc.delete([...at, 'routes']);
    }
  }

  /** Every policy that has one of these usages. */
  policiesWith(usages: readonly string[]): string[] {
    const want = usages.map((u) => u.toLowerCase());
    return [...this.policyUsages]
      .filter(([, list]) => list.some((u) => want.includes(u.toLowerCase())))
      .map(([name]) => name);
  }
}
