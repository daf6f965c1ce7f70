/**
 * How a lab's check is shown: a line per goal (met or not, its reason), the score and what to
 * do next; and the JSON document of `lab check --json` (the goals, the score and the run's own
 * result document).
 *
 * This file must not know files, the live run or the CLI.
 */
import { styler } from '../report/index.js';
import type { LabDefinition } from './definition.js';
import type { LabCheck } from './goals.js';

/** The goal lines and the score, as `mediapath lab check` prints them. */
export function formatLabCheck(
  lab: LabDefinition,
  check: LabCheck,
  options: { readonly colour: boolean; readonly role: string },
): string {
  const st = styler(options.colour);
  const lines = [st.bold(`${lab.title} (acting as ${options.role})`), ''];
  check.goals.forEach((g, i) => {
    const mark = g.met ? st.green('met    ') : st.red('not met');
    lines.push(
      `${String(i + 1).padStart(2)}. ${mark}  ${g.title}${g.points === 1 ? '' : ` (${g.points} points)`}`,
    );
    lines.push(`             ${g.reason}`);
  });
  const percent = check.maxPoints === 0 ? 100 : Math.round((check.points / check.maxPoints) * 100);
  lines.push('');
  const score = `Score: ${check.points}/${check.maxPoints} (${percent}%).`;
  if (check.allMet) {
    lines.push(st.green(`${score} Every goal is met.`));
  } else {
    const left = check.goals.filter((g) => !g.met).length;
    lines.push(
      st.red(`${score} ${left} goal${left === 1 ? ' is' : 's are'} not met.`) +
        (lab.hints.length > 0 ? ' mediapath lab hint shows the next hint.' : ''),
    );
  }
  return `${lines.join('\n')}\n`;
}

/** The JSON document of a check: the lab, the goals, the score, and the run's result. */
export function labCheckJson(
  lab: LabDefinition,
  check: LabCheck,
  meta: { readonly folder: string; readonly role: string; readonly version: number },
  run: unknown,
): unknown {
  return {
    format: 'mediapath-lab-check',
    version: 1,
    lab: { title: lab.title, folder: meta.folder, role: meta.role },
    configurationVersion: meta.version,
    score: { points: check.points, maxPoints: check.maxPoints, allMet: check.allMet },
    goals: check.goals,
    run,
  };
}
