import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanNetns, NetnsNetwork, netnsAvailable, planNetns } from '../../../src/net/netns.js';
import { loadScenarioFile } from '../../../src/scenario/index.js';
import { Topology } from '../../../src/topology/index.js';
import { namespaces } from '../../support/netns.js';

const run = promisify(execFile);
const available = await netnsAvailable();
if (process.env.CI === 'true' && !available) {
  throw new Error('CI runs as root with iproute2: network namespace tests must run there');
}

/**
 * Receives one UDP datagram inside a namespace: `ready` resolves once the socket is bound,
 * `source` with the sender's address.
 */
function receiveOnce(
  ns: string,
  address: string,
  port: number,
): { ready: Promise<void>; source: Promise<string> } {
  const code = `const s=require('dgram').createSocket('udp4');s.on('message',(m,r)=>{process.stdout.write(r.address,()=>process.exit(0))});s.bind(${port},'${address}',()=>process.stdout.write('ready\\n'));setTimeout(()=>process.exit(3),8000)`;
  const child = spawn('ip', ['netns', 'exec', ns, process.execPath, '-e', code], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const ready = new Promise<void>((resolve) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('ready\n')) {
        resolve();
      }
    });
  });
  const source = new Promise<string>((resolve, reject) => {
    child.once('exit', (code) =>
      code === 0
        ? resolve(out.replace('ready\n', '').trim())
        : reject(new Error(`receiver exited ${code}`)),
    );
  });
  return { ready, source };
}

async function sendFrom(ns: string, from: string, to: string, port: number): Promise<void> {
  const code = `const s=require('dgram').createSocket('udp4');s.bind(0,'${from}',()=>s.send('x',${port},'${to}',()=>s.close()))`;
  await run('ip', ['netns', 'exec', ns, process.execPath, '-e', code], { timeout: 8000 });
}

const created: NetnsNetwork[] = [];
afterEach(async () => {
  for (const n of created.splice(0)) {
    await n.destroy();
  }
});

describe.runIf(available)('network namespaces (root)', () => {
  it('puts each site in its own namespace, routes between them through the router, and removes everything', async () => {
    const loaded = await loadScenarioFile('scenarios/branch-office.yaml');
    if (!loaded.ok) {
      throw new Error('scenario invalid');
    }
    const topo = new Topology(loaded.scenario);
    const plan = planNetns(loaded.scenario, topo);
    expect(plan.sites.map((s) => s.site).sort()).toEqual(['Chicago', 'Portland']);
    const net = await NetnsNetwork.create(plan, pino({ level: 'silent' }));
    created.push(net);
    const names = await namespaces();
    expect(names).toEqual(
      expect.arrayContaining([plan.router, ...plan.sites.map((s) => s.namespace)]),
    );

    // alice (Portland, 172.29.77.15) to gw-chi (Chicago, 172.28.152.200) by their real IPs.
    const alice = '172.29.77.15';
    const gwChi = '172.28.152.200';
    expect(net.namespaceOf(alice)).not.toBe(net.namespaceOf(gwChi));
    const receiver = receiveOnce(net.namespaceOf(gwChi), gwChi, 5999);
    await receiver.ready;
    await sendFrom(net.namespaceOf(alice), alice, gwChi, 5999);
    expect(await receiver.source).toBe(alice);

    await net.destroy();
    const after = await namespaces();
    expect(after.filter((n) => n.startsWith(`mp${plan.runId}`))).toEqual([]);
  }, 30_000);

  it('rate-limits towards a site with tc tbf when a link has a rate', async () => {
    const loaded = await loadScenarioFile('scenarios/always-bypass-wan.yaml');
    if (!loaded.ok) {
      throw new Error('scenario invalid');
    }
    const plan = planNetns(loaded.scenario, new Topology(loaded.scenario));
    const net = await NetnsNetwork.create(plan, pino({ level: 'silent' }));
    created.push(net);
    const portland = plan.sites.find((s) => s.site === 'Portland');
    expect(portland?.rateKbps).toBe(512);
    const { stdout } = await run('ip', [
      'netns',
      'exec',
      plan.router,
      'tc',
      'qdisc',
      'show',
      'dev',
      portland?.routerIf ?? '',
    ]);
    expect(stdout).toMatch(/tbf .*rate 512Kbit/);
  }, 30_000);

  it('net clean spares the namespaces of a run that is still going', async () => {
    const loaded = await loadScenarioFile('scenarios/default.yaml');
    if (!loaded.ok) {
      throw new Error('scenario invalid');
    }
    const plan = planNetns(loaded.scenario, new Topology(loaded.scenario));
    const net = await NetnsNetwork.create(plan, pino({ level: 'silent' }));
    created.push(net);
    const removed = await cleanNetns();
    expect(removed).not.toContain(plan.router);
    expect(await namespaces()).toContain(plan.router);
    await net.destroy();
    expect(await namespaces()).not.toContain(plan.router);
  }, 30_000);

  it('net clean removes namespaces left over by a crashed run, and nothing else', async () => {
    await run('ip', ['netns', 'add', 'mpxyz1-r']).catch(() => undefined);
    await run('ip', ['netns', 'add', 'mpbeef-r']);
    await run('ip', ['netns', 'add', 'mpbeef-s0']);
    const removed = await cleanNetns();
    expect(removed.sort()).toEqual(expect.arrayContaining(['mpbeef-r', 'mpbeef-s0']));
    const after = await namespaces();
    expect(after).not.toContain('mpbeef-r');
    // 'xyz1' is not a run id (4 hex digits): not one of ours, left alone.
    expect(after).toContain('mpxyz1-r');
    await run('ip', ['netns', 'del', 'mpxyz1-r']);
  }, 30_000);
});
