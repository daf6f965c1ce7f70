import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadScenarioFile, loadScenarioText } from '../../../src/scenario/index.js';
import {
  litware,
  positionOf,
  problemsOf,
  ScenarioBuilder,
} from '../../support/scenario-builder.js';

const FIVE = new URL('../../fixtures/scenarios/five-mistakes.yaml', import.meta.url).pathname;

describe('loading a file that holds no scenario', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mediapath-load-'));
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  const load = async (name: string, bytes: Buffer | string): Promise<string[]> => {
    const file = join(dir, name);
    writeFileSync(file, bytes);
    const r = await loadScenarioFile(file);
    return r.ok ? [] : r.problems.map((p) => `${p.code}: ${p.message}`);
  };

  it('says a binary file is not a text file, in one short line', async () => {
    const problems = await load(
      'bin.yaml',
      Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 0, 0, 0xff]),
    );
    expect(problems).toEqual([
      'SIM_ERR_SCENARIO_READ: not a text file (it holds binary data): a scenario is a YAML text file',
    ]);
  });

  it('says an empty file is empty, and a file of comments holds no scenario', async () => {
    expect(await load('empty.yaml', '  \n')).toEqual([
      'SIM_ERR_SCENARIO_READ: the file is empty: a scenario is a YAML map (see docs/scenario-format.md)',
    ]);
    expect(await load('comments.yaml', '# nothing yet\n')).toEqual([
      'SIM_ERR_SCENARIO_SCHEMA: no scenario in the file: it holds only comments or blank lines',
    ]);
  });
});

describe('loading a scenario', () => {
  it('the default builder scenario and Litware load without errors or warnings', () => {
    const b = new ScenarioBuilder().load();
    expect(b.ok && b.warnings).toEqual([]);
    const l = litware().load();
    expect(l.ok && l.warnings).toEqual([]);
  });

  it('a file with five mistakes of different kinds reports all five with line and column', async () => {
    const r = await loadScenarioFile(FIVE);
    expect(r.ok).toBe(false);
    const errors = r.ok ? [] : r.problems.filter((p) => p.severity === 'error');
    expect(
      errors.map((p) => [p.position.line, p.position.col, p.code, p.path, p.rule ?? null]),
    ).toEqual([
      [
        7,
        19,
        'SIM_ERR_SCENARIO_RULE',
        'networkConfiguration.mediaBypassSettings.alwaysBypass',
        'd.V1',
      ],
      [15, 28, 'SIM_ERR_SCENARIO_RULE', 'network.bwPolicyProfiles[0].audioBWSessionLimit', 'd.V12'],
      [21, 7, 'SIM_ERR_SCENARIO_SCHEMA', 'network.sites[1].bwPolicyProfle', null],
      [23, 15, 'SIM_ERR_SCENARIO_UNKNOWN_REF', 'network.sites[2].region', 'd.V17'],
      [28, 15, 'SIM_ERR_SCENARIO_RULE', 'network.subnets[1].subnet', 'd.V10'],
    ]);
    expect(errors.every((p) => p.position.file === FIVE)).toBe(true);
    expect(errors[2]?.message).toContain('did you mean "bwPolicyProfile"');
  });

  it('a file that cannot be read is one problem at 1:1', async () => {
    const r = await loadScenarioFile('/nonexistent/scenario.yaml');
    expect(r.ok ? [] : r.problems.map((p) => [p.code, p.position.line, p.position.col])).toEqual([
      ['SIM_ERR_SCENARIO_READ', 1, 1],
    ]);
  });

  it('YAML syntax errors have positions: a duplicate key', () => {
    const text = 'name: a\nhosts: {}\nname: b\n';
    const r = loadScenarioText(text, 'dup.yaml');
    expect(r.ok).toBe(false);
    const p = r.ok ? undefined : r.problems[0];
    expect(p?.code).toBe('SIM_ERR_SCENARIO_YAML');
    expect(p?.position).toEqual({ file: 'dup.yaml', line: 3, col: 1 });
  });

  it('YAML syntax errors have positions: an unterminated flow sequence', () => {
    const text = 'name: a\nhosts:\n  clients: [a, b\n';
    const r = loadScenarioText(text, 'flow.yaml');
    expect(r.ok).toBe(false);
    const problems = r.ok ? [] : r.problems;
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.every((p) => p.code === 'SIM_ERR_SCENARIO_YAML')).toBe(true);
    // The error is on or after the line that opens the sequence, never before it.
    expect(problems[0]!.position.line).toBeGreaterThanOrEqual(3);
  });

  it('a value of the wrong type is a schema error at the value', () => {
    const b = new ScenarioBuilder().set('networkConfiguration.enableBandwidthPolicyCheck', 'yes');
    const text = b.yaml();
    const r = loadScenarioText(text, 't.yaml');
    const p = problemsOf(r).find(
      (x) => x.path === 'networkConfiguration.enableBandwidthPolicyCheck',
    );
    expect(p?.code).toBe('SIM_ERR_SCENARIO_SCHEMA');
    const at = positionOf(text, 'enableBandwidthPolicyCheck: yes');
    expect(p?.position).toMatchObject({
      line: at.line,
      col: at.col + 'enableBandwidthPolicyCheck: '.length,
    });
  });

  it('a missing required value is reported at the deepest node that exists', () => {
    const b = new ScenarioBuilder().patch('hosts.clients', 'bob', { ip: undefined });
    const text = b.yaml();
    const p = problemsOf(loadScenarioText(text)).find((x) => x.path === 'hosts.clients[1].ip');
    expect(p?.message).toBe('required value is missing');
    expect(p?.position).toMatchObject(positionOf(text, 'name: bob'));
  });

  it('warnings are separate from errors: warnings alone load, an error makes them problems', () => {
    const warnOnly = new ScenarioBuilder().bypass({ enableDefaultBypassId: true }).load();
    expect(warnOnly.ok).toBe(true);
    expect(warnOnly.ok && warnOnly.warnings.map((w) => [w.severity, w.rule])).toEqual([
      ['warning', 'd.V3'],
    ]);
    const both = new ScenarioBuilder()
      .bypass({ enableDefaultBypassId: true })
      .trunk('global', { concentratedTopology: false })
      .load();
    expect(both.ok).toBe(false);
    const sev = both.ok ? [] : both.problems.map((p) => [p.severity, p.rule]);
    expect(sev).toContainEqual(['warning', 'd.V3']);
    expect(sev).toContainEqual(['error', 'd.V13']);
  });

  it('problems come sorted by line and column', () => {
    const r = loadScenarioText(readFileSync(FIVE, 'utf8'));
    const pos = r.ok ? [] : r.problems.map((p) => p.position.line * 1000 + p.position.col);
    expect(pos).toEqual([...pos].sort((a, b) => a - b));
  });

  it('the model is deep-frozen', () => {
    const s = litware().build();
    expect(Object.isFrozen(s)).toBe(true);
    expect(Object.isFrozen(s.network.sites)).toBe(true);
    expect(Object.isFrozen(s.network.sites[0])).toBe(true);
    expect(Object.isFrozen(s.hosts.clients[0]!.codecs)).toBe(true);
    expect(Object.isFrozen(s.network.bwPolicyProfiles[0]!.audio)).toBe(true);
    expect(() => {
      (s.network.sites[0] as { name: string }).name = 'Elsewhere';
    }).toThrow(TypeError);
    expect(() => {
      (s.calls as unknown[]).push({});
    }).toThrow(TypeError);
    expect(s.network.sites[0]!.name).toBe('Chicago');
  });
});

describe('normalized defaults (the format defaults and section A of docs/rules.md)', () => {
  const s = new ScenarioBuilder().build();

  it('a.2 bypass defaults: AlwaysBypass off, default ID off, external bypass Off, not for conferences', () => {
    expect(s.networkConfiguration.mediaBypassSettings).toMatchObject({
      alwaysBypass: false,
      enableDefaultBypassId: false,
      externalBypassMode: 'Off',
      enabledForAudioVideoConferences: false,
      internalBypassMode: 'Any',
    });
    const off = new ScenarioBuilder().bypass({ enabled: undefined }).build();
    expect(off.networkConfiguration.mediaBypassSettings).toMatchObject({
      enabled: false,
      internalBypassMode: 'Off',
    });
  });

  it('a.3 AudioAlternatePath and VideoAlternatePath default to true', () => {
    expect(s.network.regions[0]).toMatchObject({
      audioAlternatePath: true,
      videoAlternatePath: true,
    });
  });

  it('a.6 a profile with only a session limit has total 0; with only a total, session 175 / 700', () => {
    const p = new ScenarioBuilder()
      .add('network.bwPolicyProfiles', { name: 'OnlySession', audioBWSessionLimit: 100 })
      .add('network.bwPolicyProfiles', { name: 'OnlyTotal', audioBWLimit: 500, videoBWLimit: 900 })
      .build().network.bwPolicyProfiles;
    expect(p[1]?.audio).toEqual({ limit: 0, sessionLimit: 100 });
    expect(p[2]?.audio).toEqual({ limit: 500, sessionLimit: 175 });
    expect(p[2]?.video).toEqual({ limit: 900, sessionLimit: 700 });
  });

  it('a.10 trunk defaults: ConcentratedTopology, REFER and RTCP on, SRTP Required, 20 early dialogs', () => {
    const t = new ScenarioBuilder().trunk('site:Chicago', {}).build().trunkConfigurations[1];
    expect(t).toMatchObject({
      enableBypass: false,
      concentratedTopology: true,
      enableReferSupport: true,
      enable3pccRefer: false,
      rtcpActiveCalls: true,
      rtcpCallsOnHold: true,
      srtpMode: 'Required',
      maxEarlyDialogs: 20,
    });
  });

  it('a.11 EncryptionLevel RequireEncryption; voice policy re-route on, override off', () => {
    expect(s.mediaConfigurations).toContainEqual({
      scope: 'global',
      encryptionLevel: 'RequireEncryption',
    });
    expect(s.voicePolicies.find((v) => v.name === 'global')).toMatchObject({
      allowPstnReRouting: true,
      enableBWPolicyOverride: false,
    });
  });

  it('h the documented defaults of the ambiguity settings', () => {
    expect(s.simulation).toMatchObject({
      gatewaySubnetMatch: 'containment', // b.1#11, A3
      interSitePolicy: 'add', // A4
      pstnCallRefused: 'internet-then-reject', // A6: Internet path, else block
      voicePolicyOwner: 'docs', // A7
      // A9 leaves it open; the c.2#10 ITSP recipe only works if a zero total does not block.
      zeroBandwidthLimit: 'unlimited',
      codecBandwidth: 'table1', // c.4 recommended default
      unmappedEndpoint: 'admit', // c.1#2
      alternatePathRegions: 'every-refusing-region', // A14
    });
  });
});

describe('outside peers', () => {
  it('takes external on a gateway and on a client, and not on a user', () => {
    const text = [
      'networkConfiguration: { mediaBypassSettings: { enabled: true } }',
      'network:',
      '  regions: [{ name: NA, centralSite: Chicago }]',
      '  sites: [{ name: Chicago, region: NA }]',
      '  subnets: [{ subnet: 172.28.152.128, maskBits: 25, site: Chicago }]',
      'trunkConfigurations: [{ scope: global, enableBypass: true }]',
      'hosts:',
      '  mediationServers: [{ name: ms, clientIp: 172.28.152.130, gatewayIp: 172.28.152.131 }]',
      '  gateways:',
      '    - { name: gw, kind: pstn-gateway, ip: 172.28.152.200, mediationServer: ms, external: { sipPort: 5080 } }',
      '  clients:',
      '    - { name: softphone, ip: 172.28.152.150, maskBits: 25, external: {} }',
      '    - { name: desk, ip: 172.28.152.151, maskBits: 25 }',
      'calls: []',
      '',
    ].join('\n');
    const r = loadScenarioText(text, 'outside.yaml');
    expect(r.ok ? [] : r.problems.map((p) => p.message)).toEqual([]);
    if (!r.ok) {
      return;
    }
    expect(r.scenario.hosts.clients.map((c) => [c.name, c.external])).toEqual([
      ['softphone', { sipPort: 5060 }],
      ['desk', undefined],
    ]);
    const withUser = `${text}users: [{ name: u, endpoints: [desk], external: {} }]\n`;
    const bad = loadScenarioText(withUser, 'outside.yaml');
    expect(bad.ok ? [] : bad.problems.map((p) => p.message)).toEqual([
      expect.stringContaining('unknown key "external"'),
    ]);
  });
});
