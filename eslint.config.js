// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import vitest from '@vitest/eslint-plugin';
import prettier from 'eslint-config-prettier';
import globals from 'globals';

/**
 * Layering (design.md): cli -> lab -> {sip, media, policy, report} -> topology -> scenario -> core;
 * cli -> planning -> {policy, topology, scenario, core} (and report types);
 * cli -> {admin, labs} -> {policy, report, topology, scenario, core}.
 * `sip` and `media` never import each other or `policy`. Each folder's rule lists what it may
 * not reach into, and the files of those folders it may import all the same (`allowed`).
 */
const layerPatterns = (folder, forbidden, allowed = []) =>
  forbidden.map((f) => ({
    group: allowed.some((a) => a.startsWith(`${f}/`))
      ? [
          `**/${f}/*`,
          `**/${f}/*/**`,
          ...allowed.filter((a) => a.startsWith(`${f}/`)).map((a) => `!**/${a}`),
        ]
      : [`**/${f}/*`, `**/${f}/**`, `../${f}`, `../../${f}`],
    message: `src/${folder} may not import src/${f} (see docs/architecture.md).`,
  }));
const layer = (folder, forbidden, allowed = []) => ({
  files: [`src/${folder}/**/*.ts`],
  rules: {
    'no-restricted-imports': ['error', { patterns: layerPatterns(folder, forbidden, allowed) }],
  },
});

/**
 * The lab's hosts, Edge chains and call observations see the run only through `HostContext`:
 * they may not import `lab.ts` (the run), nor the lab's `index.ts`, which re-exports it. The
 * lab's own layering applies to them too (a later rule replaces an earlier one per file).
 */
const labHosts = {
  files: [
    'src/lab/hosts/**/*.ts',
    'src/lab/host-context.ts',
    'src/lab/edge-chain.ts',
    'src/lab/call-observations.ts',
  ],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: [
          ...layerPatterns('lab', ['cli']),
          {
            regex: '(^|/)lab\\.js$|^(\\.\\.?/)+index\\.js$|/lab/index\\.js$',
            message:
              'a lab host may not import lab.ts or the lab index: it sees the run through HostContext (src/lab/host-context.ts).',
          },
        ],
      },
    ],
  },
};

/**
 * The planning layer (what-if, bypass A/B, busy hour) is pure: it runs calls through the policy
 * engine and may import policy, topology, scenario and core, and the report layer's types only
 * (a report's values stay in the CLI); never sip, media, lab, net, deploy or cli. The live part
 * of `compare --live` lives in src/cli/compare-command.ts.
 */
const planning = {
  files: ['src/planning/**/*.ts'],
  rules: {
    '@typescript-eslint/no-restricted-imports': [
      'error',
      {
        patterns: [
          ...layerPatterns('planning', [
            'sip',
            'media',
            'lab',
            'cli',
            'net',
            'deploy',
            'admin',
            'labs',
          ]),
          {
            group: ['**/report/*', '**/report/**', '../report', '../../report'],
            allowTypeImports: true,
            message: 'src/planning may import types only from src/report (see eslint.config.js).',
          },
        ],
      },
    ],
  },
};

export default tseslint.config(
  {
    ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'bin/**', '.profiles/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  ...tseslint.configs.stylisticTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: {
          allowDefaultProject: ['eslint.config.js', 'perf/*.js'],
        },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      curly: ['error', 'all'],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-definitions': 'off',
      '@typescript-eslint/prefer-nullish-coalescing': 'off',
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        { allowNumber: true, allowBoolean: true },
      ],
    },
  },
  {
    files: ['src/**/*.ts'],
    rules: { 'no-console': 'error' },
  },
  layer('core', [
    'scenario',
    'topology',
    'policy',
    'sip',
    'media',
    'lab',
    'report',
    'cli',
    'net',
    'planning',
    'admin',
    'labs',
  ]),
  layer('scenario', [
    'topology',
    'policy',
    'sip',
    'media',
    'lab',
    'report',
    'cli',
    'net',
    'planning',
    'admin',
    'labs',
  ]),
  layer('topology', [
    'policy',
    'sip',
    'media',
    'lab',
    'report',
    'cli',
    'net',
    'planning',
    'admin',
    'labs',
  ]),
  layer('policy', ['sip', 'media', 'lab', 'report', 'cli', 'net', 'planning', 'admin', 'labs']),
  layer('sip', ['media', 'policy', 'lab', 'report', 'cli', 'net', 'planning', 'admin', 'labs']),
  layer('media', ['sip', 'policy', 'lab', 'report', 'cli', 'net', 'planning', 'admin', 'labs']),
  layer('report', ['sip', 'media', 'lab', 'cli', 'net', 'planning', 'admin', 'labs']),
  layer('net', ['sip', 'media', 'policy', 'lab', 'report', 'cli', 'planning', 'admin', 'labs']),
  layer('lab', ['cli', 'planning', 'admin', 'labs']),
  labHosts,
  layer(
    'deploy',
    ['policy', 'sip', 'media', 'lab', 'report', 'cli', 'net', 'planning', 'admin', 'labs'],
    ['lab/addressing.js'],
  ),
  planning,
  {
    files: ['test/**/*.ts', 'perf/**/*.ts'],
    plugins: { vitest },
    rules: {
      ...vitest.configs.recommended.rules,
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  {
    files: ['**/*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    files: ['**/*.js'],
    languageOptions: { globals: globals.node },
  },
  prettier,
);
