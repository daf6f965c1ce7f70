/**
 * A lab's definition, `lab.yaml`: its title, story, the role the trainee acts as (and custom
 * roles scoped to sites), the scenario the trainee starts from, the goals a live run is checked
 * against (calls, configuration, validation, link use, answers the trainee records) and the
 * hints, in order. The file is checked strictly: every problem is reported with its dot-path.
 *
 * This file must not know files, the live run or the cmdlets: text in, a frozen definition out.
 */
import { parse } from 'yaml';
import { z } from 'zod';
import { DECISIONS, deepFreeze, EXPECTED_MEDIA } from '../scenario/index.js';

const name = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]*$/, 'a name of letters, digits and _ . : -');

const decision = z.enum(DECISIONS);

/** What a call (or every call of a list) must have done in the live run. */
const callExpect = z.strictObject({
  decision: z.union([decision, z.array(decision).min(1)]).optional(),
  path: z.string().optional(),
  reason: z.string().optional(),
  sipStatus: z.number().int().optional(),
  media: z.enum(EXPECTED_MEDIA).optional(),
  maxLossPercent: z.number().nonnegative().optional(),
});

/** Which calls a call goal looks at: one, several, or every call of the run. */
const callSelection = {
  call: name.optional(),
  calls: z.union([z.literal('all'), z.array(name).min(1)]).optional(),
};

const configCheck = z.strictObject({
  get: z.string().min(1),
  identity: z.string().optional(),
  property: z.string().min(1),
  equals: z.union([z.string(), z.number(), z.boolean(), z.null()]).optional(),
  atMost: z.number().optional(),
  atLeast: z.number().optional(),
  exists: z.boolean().optional(),
});

const linkCheck = z.strictObject({
  name: z.string().min(1),
  minPeakKbps: z.number().nonnegative().optional(),
  maxPeakKbps: z.number().nonnegative().optional(),
});

const answerCheck = z.strictObject({
  key: name,
  question: z.string().min(1),
  /** The ids of the calls of the run that match (the answer lists them, in any order). */
  callsWhere: callExpect.optional(),
  /** A field of one call of the run (the answer must be its value). */
  callField: z
    .strictObject({
      call: name,
      field: z.enum([
        'decision',
        'path',
        'media',
        'sipStatus',
        'lossPercent',
        'trunk',
        'refusedLink',
      ]),
    })
    .optional(),
  /** Accepted answers, without regard to case. */
  oneOf: z.array(z.string()).min(1).optional(),
  /** A number answer may be off by this much. */
  tolerance: z.number().nonnegative().optional(),
});

const goal = z
  .strictObject({
    id: name,
    title: z.string().min(1),
    points: z.number().int().positive().optional(),
    ...callSelection,
    expect: callExpect.optional(),
    config: configCheck.optional(),
    noProblems: z.array(z.string()).min(1).optional(),
    link: linkCheck.optional(),
    answer: answerCheck.optional(),
  })
  .superRefine((g, ctx) => {
    const kinds = [
      g.call !== undefined || g.calls !== undefined ? 'call' : null,
      g.config ? 'config' : null,
      g.noProblems ? 'noProblems' : null,
      g.link ? 'link' : null,
      g.answer ? 'answer' : null,
    ].filter((k) => k !== null);
    if (kinds.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        message: `a goal checks exactly one thing: call/calls (with expect), config, noProblems, link or answer; this one has ${kinds.length === 0 ? 'none' : kinds.join(', ')}`,
      });
    }
    if ((g.call !== undefined || g.calls !== undefined) !== (g.expect !== undefined)) {
      ctx.addIssue({
        code: 'custom',
        message: 'a call goal needs expect, and expect needs call or calls',
      });
    }
  });

const role = z.strictObject({
  name,
  template: z.string().min(1),
  configScopes: z.array(z.string()).optional(),
});

const labSchema = z.strictObject({
  title: z.string().min(1),
  summary: z.string().min(1),
  role: z.string().min(1),
  roles: z.array(role).optional(),
  serverAdministratorScope: z.enum(['no-global', 'deploy-table']).optional(),
  scenario: z.string().optional(),
  story: z.string().min(1),
  goals: z.array(goal).min(1),
  hints: z.array(z.string().min(1)).optional(),
});

/** A goal of a lab, as written. */
export type LabGoal = z.infer<typeof goal>;
/** What a call goal expects. */
export type CallGoalExpect = z.infer<typeof callExpect>;

/** A lab's definition, checked, with its defaults. */
export interface LabDefinition {
  readonly title: string;
  readonly summary: string;
  readonly role: string;
  readonly roles: readonly {
    readonly name: string;
    readonly template: string;
    readonly configScopes?: readonly string[] | undefined;
  }[];
  readonly serverAdministratorScope: 'no-global' | 'deploy-table';
  /** The scenario file, relative to the lab's folder. */
  readonly scenario: string;
  readonly story: string;
  readonly goals: readonly LabGoal[];
  readonly hints: readonly string[];
}

/** The definition, or every problem with its dot-path. */
export type LabParse =
  | { readonly ok: true; readonly lab: LabDefinition }
  | { readonly ok: false; readonly problems: readonly string[] };

/**
 * Reads `lab.yaml`.
 *
 * @param text - The file's text.
 * @param file - Its name, for the problems.
 */
export function parseLab(text: string, file: string): LabParse {
  let data: unknown;
  try {
    data = parse(text);
  } catch (e) {
    return {
      ok: false,
      problems: [`${file}: not YAML: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`],
    };
  }
  const r = labSchema.safeParse(data);
  if (!r.success) {
    return {
      ok: false,
      problems: r.error.issues.map((i) => `${file}: ${dotPath(i.path)}: ${i.message}`),
    };
  }
  const ids = new Set<string>();
  const problems: string[] = [];
  r.data.goals.forEach((g, i) => {
    if (ids.has(g.id)) {
      problems.push(`${file}: goals[${i}].id: goal "${g.id}" is given twice`);
    }
    ids.add(g.id);
  });
  if (problems.length > 0) {
    return { ok: false, problems };
  }
  return {
    ok: true,
    lab: deepFreeze({
      title: r.data.title,
      summary: r.data.summary,
      role: r.data.role,
      roles: r.data.roles ?? [],
      serverAdministratorScope: r.data.serverAdministratorScope ?? 'no-global',
      scenario: r.data.scenario ?? 'scenario.yaml',
      story: r.data.story,
      goals: r.data.goals,
      hints: r.data.hints ?? [],
    }),
  };
}

function dotPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') {
      out += `[${seg}]`;
    } else {
      out += out === '' ? String(seg) : `.${String(seg)}`;
    }
  }
  return out === '' ? '(document)' : out;
}
