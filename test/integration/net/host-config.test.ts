import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { netnsAvailable } from '../../../src/net/netns.js';

const run = promisify(execFile);
const available = await netnsAvailable();
if (process.env.CI === 'true' && !available) {
  throw new Error('CI runs as root with iproute2: network namespace tests must run there');
}

const host = `mediapath-hc-${process.pid}`;
const router = `mediapath-hr-${process.pid}`;

afterAll(async () => {
  for (const ns of [host, router]) {
    await run('ip', ['netns', 'del', ns]).catch(() => undefined);
  }
});

async function inNs(ns: string, ...args: string[]): Promise<string> {
  const { stdout } = await run('ip', ['netns', 'exec', ns, ...args]);
  return stdout;
}

describe.skipIf(!available)('configureHost (a container agent with --via)', () => {
  it('adds missing addresses, routes the scenario networks via the router, and leaves the connected ones alone', async () => {
    // A container's view: one interface on its site network, the router next to it.
    await run('ip', ['netns', 'add', host]);
    await run('ip', ['netns', 'add', router]);
    await inNs(host, 'ip', 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'r0');
    await inNs(host, 'ip', 'link', 'set', 'r0', 'netns', router);
    await inNs(host, 'ip', 'addr', 'add', '172.28.152.130/25', 'dev', 'eth0');
    await inNs(host, 'ip', 'link', 'set', 'eth0', 'up');
    await inNs(router, 'ip', 'addr', 'add', '172.28.152.129/25', 'dev', 'r0');
    await inNs(router, 'ip', 'link', 'set', 'r0', 'up');
    const code = `import('${process.cwd()}/dist/net/host-config.js').then(async (m) => {
      const done = await m.configureHost(['172.28.152.130', '172.28.152.131'],
        ['172.28.152.128/25', '172.29.77.0/24', '192.0.2.1/32'], '172.28.152.129');
      process.stdout.write(JSON.stringify(done));
    })`;
    const done = JSON.parse(await inNs(host, process.execPath, '-e', code)) as string[];
    expect(done).toEqual([
      'ip addr add 172.28.152.131/32 dev eth0',
      'ip route replace 172.29.77.0/24 via 172.28.152.129',
      'ip route replace 192.0.2.1/32 via 172.28.152.129',
    ]);
    expect(await inNs(host, 'ip', '-o', '-4', 'addr', 'show', 'dev', 'eth0')).toContain(
      '172.28.152.131/32',
    );
    const routes = await inNs(host, 'ip', '-4', 'route', 'show');
    expect(routes).toContain('172.29.77.0/24 via 172.28.152.129 dev eth0');
    expect(routes).toContain('192.0.2.1 via 172.28.152.129 dev eth0');
    // The second time there is nothing left to do.
    expect(JSON.parse(await inNs(host, process.execPath, '-e', code))).toEqual([
      'ip route replace 172.29.77.0/24 via 172.28.152.129',
      'ip route replace 192.0.2.1/32 via 172.28.152.129',
    ]);
  }, 30_000);
});
