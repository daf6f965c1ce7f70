/**
 * A container host's network set-up in the Compose deployment: the scenario addresses its
 * interfaces lack, and routes to the other networks via the router container. Runs `ip`;
 * knows nothing of SIP, media or the run.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Makes a container's network fit its scenario host (needs CAP_NET_ADMIN): every address of
 * the host that no interface has yet is added as a /32 on the interface that reaches the
 * router, and every network of the scenario that is not on a local link is routed via the
 * router. Returns what it did, one line per command.
 */
export async function configureHost(
  addresses: readonly string[],
  networks: readonly string[],
  via: string,
): Promise<string[]> {
  const done: string[] = [];
  const route = await ip(['-o', '-4', 'route', 'get', via]);
  const dev = /\bdev (\S+)/.exec(route)?.[1];
  if (!dev) {
    throw new Error(`no interface reaches the router ${via}`);
  }
  const present = new Set(
    [...(await ip(['-o', '-4', 'addr', 'show'])).matchAll(/inet (\d+\.\d+\.\d+\.\d+)\//g)].map(
      (m) => m[1],
    ),
  );
  for (const a of addresses) {
    if (!present.has(a)) {
      await ip(['addr', 'add', `${a}/32`, 'dev', dev]);
      done.push(`ip addr add ${a}/32 dev ${dev}`);
    }
  }
  const connected = (await ip(['-o', '-4', 'route', 'show', 'scope', 'link']))
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[0] ?? '')
    .filter((n) => n.length > 0);
  for (const n of networks) {
    if (connected.includes(n)) {
      continue;
    }
    await ip(['route', 'replace', n, 'via', via]);
    done.push(`ip route replace ${n} via ${via}`);
  }
  return done;
}

async function ip(args: string[]): Promise<string> {
  try {
    const { stdout } = await run('ip', args, { timeout: 10_000 });
    return stdout;
  } catch (e) {
    const err = e as { stderr?: string; message?: string };
    throw new Error(`ip ${args.join(' ')}: ${(err.stderr ?? '').trim() || (err.message ?? '')}`, {
      cause: e,
    });
  }
}
