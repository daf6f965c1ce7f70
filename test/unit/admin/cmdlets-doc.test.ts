import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  CMDLETS,
  PREDEFINED_ROLES,
  SERVER_ADMINISTRATOR_SCOPES,
} from '../../../src/admin/index.js';

const doc = readFileSync('docs/cmdlets.md', 'utf8');

/** Every `Verb-Noun` the headings name, `Get/New/Set/Remove-CsX` standing for four. */
function documented(): Set<string> {
  const names = new Set<string>();
  for (const m of doc.matchAll(/^### .*$/gm)) {
    for (const group of m[0].matchAll(/((?:[A-Z][a-z]+\/)*[A-Z][a-z]+)-(Cs[A-Za-z]+)/g)) {
      for (const verb of (group[1] ?? '').split('/')) {
        names.add(`${verb}-${group[2] ?? ''}`);
      }
    }
  }
  return names;
}

describe('docs/cmdlets.md', () => {
  it.each(CMDLETS.map((c) => c.name))('documents %s under a heading', (name) => {
    expect(documented().has(name)).toBe(true);
  });

  it('names no cmdlet under a heading that the shell does not run', () => {
    const known = new Set(CMDLETS.map((c) => c.name));
    expect([...documented()].filter((n) => !known.has(n))).toEqual([]);
  });

  it.each(PREDEFINED_ROLES.map((r) => r.name))('has a row for the role %s', (name) => {
    expect(doc).toContain(`| \`${name}\` |`);
  });

  it('documents the values of setting A8 and the default', () => {
    for (const v of SERVER_ADMINISTRATOR_SCOPES) {
      expect(doc).toContain(`\`${v}\``);
    }
    expect(doc).toContain('`no-global` (the default)');
  });
});
