import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

interface PackageJson {
  name: string;
  version: string;
  license?: string;
  bin?: Record<string, string>;
  engines?: Record<string, string>;
  scripts: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as PackageJson;
const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, PackageJson & { hasInstallScript?: boolean }>;
};

describe('installing mediapath', () => {
  it('builds the CLI on npm install and npm ci (prepare), and skips it without the sources', () => {
    expect(pkg.scripts.prepare).toContain('npm run build');
    expect(pkg.scripts.prepare).toContain("existsSync('tsconfig.build.json')");
  });

  // npm install rewrites the lock file when its root entry differs from package.json; a
  // fresh clone must not come out of npm install with a modified package-lock.json.
  it('has a lock file whose root entry is what npm makes of package.json', () => {
    const rootEntry = lock.packages[''];
    const installScripts = ['preinstall', 'install', 'postinstall'].some(
      (s) => pkg.scripts[s] !== undefined,
    );
    expect(rootEntry).toEqual({
      name: pkg.name,
      version: pkg.version,
      ...(installScripts ? { hasInstallScript: true } : {}),
      license: pkg.license,
      dependencies: pkg.dependencies,
      bin: pkg.bin,
      devDependencies: pkg.devDependencies,
      engines: pkg.engines,
    });
  });
});
