import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../../src/cli/io.js';
import { cli } from '../../support/cli.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const codes = Object.values(ExitCode).sort((a, b) => a - b);

/** The codes of a Markdown table's rows that start with `| N |`, in order. */
function tableCodes(text: string): number[] {
  return [...text.matchAll(/^\| (\d+) \|/gm)].map((m) => Number(m[1]));
}

describe('exit codes, as documented', () => {
  it('README.md has one row per exit code the CLI returns, and no other', () => {
    const section = readme.slice(readme.indexOf('### Exit codes'));
    expect(tableCodes(section.slice(0, section.indexOf('\n## ')))).toEqual(codes);
  });

  it('the top-level help lists every exit code, and no other', async () => {
    const { out } = await cli(['help']);
    const section = out.slice(out.indexOf('Exit codes:'));
    const listed = [...section.matchAll(/^ {2}(\d+) +\S/gm)].map((m) => Number(m[1]));
    expect(listed).toEqual(codes);
  });
});
