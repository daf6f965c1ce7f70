/**
 * Builds the batched UDP addon (`npm ci`, `npm install`, `npm run build:native`). Never
 * fails: without the addon the relay uses node:dgram. Prints one line either way.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('.', import.meta.url));

/** npm's bundled node-gyp: named by npm in lifecycle scripts, else next to this Node. */
function nodeGyp() {
  const fromNpm = process.env.npm_config_node_gyp;
  if (fromNpm !== undefined && fromNpm !== '' && existsSync(fromNpm)) {
    return fromNpm;
  }
  const bundled = join(
    dirname(process.execPath),
    '..',
    'lib',
    'node_modules',
    'npm',
    'node_modules',
    'node-gyp',
    'bin',
    'node-gyp.js',
  );
  return existsSync(bundled) ? bundled : null;
}

/** Build against this Node's own headers when they are installed (no download). */
function nodedirArgs() {
  if ((process.env.npm_config_nodedir ?? '') !== '') {
    return [];
  }
  const prefix = join(dirname(process.execPath), '..');
  return existsSync(join(prefix, 'include', 'node', 'node_api.h')) ? [`--nodedir=${prefix}`] : [];
}

const gyp = nodeGyp();
const r =
  gyp === null
    ? null
    : spawnSync(process.execPath, [gyp, 'rebuild', ...nodedirArgs()], {
        cwd: dir,
        encoding: 'utf8',
        timeout: 5 * 60 * 1000,
      });
if (r !== null && r.status === 0) {
  console.log('udp-batch: native addon built (batched UDP I/O for the relay)');
} else {
  const why =
    r === null
      ? 'node-gyp not found'
      : (r.error?.message ??
        (r.stderr.split('\n').find((l) => /error/i.test(l)) ?? `exit ${r.status}`).trim());
  console.log(`udp-batch: native addon not built (${why}); the relay will use node:dgram`);
}
