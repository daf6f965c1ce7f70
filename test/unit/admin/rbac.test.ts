import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  AdminSession,
  FAMILIES,
  PREDEFINED_ROLES,
  resolveRole,
  type Family,
  type Role,
} from '../../../src/admin/index.js';

const TEXT = readFileSync('scenarios/branch-office.yaml', 'utf8');

/** A read and a change of global scope, per family. */
const COMMANDS: Readonly<Record<Family, { read: string; write: string }>> = {
  network: {
    read: 'Get-CsNetworkSite -Identity Portland',
    write: 'Set-CsNetworkSite -Identity Portland -Description "branch"',
  },
  trunk: {
    read: 'Get-CsTrunkConfiguration',
    write: 'Set-CsTrunkConfiguration -Identity Global -EnableRTPLatching $true',
  },
  voice: {
    read: 'Get-CsVoicePolicy',
    write: 'Set-CsVoicePolicy -Identity Global -AllowPSTNReRouting $false',
  },
  media: {
    read: 'Get-CsMediaConfiguration',
    write: 'Set-CsMediaConfiguration -Identity Global -EncryptionLevel SupportEncryption',
  },
};

function role(name: string, options: Parameters<typeof resolveRole>[1] = {}): Role {
  const r = resolveRole(name, options);
  if (typeof r === 'string') {
    throw new Error(r);
  }
  return r;
}

function run(r: Role, script: string) {
  const s = new AdminSession({ text: TEXT, file: 'branch-office.yaml', role: r, mode: 'live' });
  const out = s.run(script);
  return { record: out.records[0], text: s.text, output: out.output.join('\n') };
}

describe('RBAC: every predefined role against every cmdlet family', () => {
  const cases = PREDEFINED_ROLES.flatMap((r) => FAMILIES.map((f) => [r.name, f] as const));

  it.each(cases)('%s reads %s as its role allows', (name, family) => {
    const r = role(name);
    const got = run(r, COMMANDS[family].read);
    const allowed = r.template.read.includes(family);
    expect(got.record?.outcome).toBe(allowed ? 'ok' : 'denied');
    expect(got.output.includes(`Access denied: the role ${name} may not run`)).toBe(!allowed);
  });

  it.each(cases)(
    '%s changes global %s only when its role may, and nothing changes when denied',
    (name, family) => {
      const r = role(name);
      const got = run(r, COMMANDS[family].write);
      const allowed = r.template.write.includes(family) && name !== 'CsServerAdministrator';
      expect(got.record?.outcome).toBe(allowed ? 'ok' : 'denied');
      expect(got.text !== TEXT).toBe(allowed);
      expect(got.record?.code ?? null).toBe(allowed ? null : 'SIM_ERR_ADMIN_ACCESS_DENIED');
      expect(got.output.includes(`the role ${name}`)).toBe(!allowed);
    },
  );

  it('lets a view-only administrator read but not make bypass settings', () => {
    const r = role('CsViewOnlyAdministrator');
    const got = run(r, '$b = New-CsNetworkMediaBypassConfiguration -Enabled $true');
    expect(got.record?.outcome).toBe('denied');
    expect(got.output).toContain('it may only read: Get- cmdlets');
  });
});

describe('CsServerAdministrator (A8)', () => {
  it('may change objects of a site or a service, not of global scope, by default', () => {
    const r = role('CsServerAdministrator');
    expect(
      run(r, 'New-CsTrunkConfiguration -Identity PstnGateway:gw-por -EnableBypass $false').record
        ?.outcome,
    ).toBe('ok');
    const denied = run(
      r,
      '$b = New-CsNetworkMediaBypassConfiguration -Enabled $true\nSet-CsNetworkConfiguration -MediaBypassSettings $b',
    );
    expect(denied.output).toContain('may not make changes of global scope (Global)');
    expect(denied.output).toContain('serverAdministratorScope no-global');
  });

  it('follows the deployment topic with deploy-table: global bypass, trunks and subnets', () => {
    const r = role('CsServerAdministrator', { serverAdministratorScope: 'deploy-table' });
    const s = new AdminSession({ text: TEXT, file: 'x', role: r, mode: 'live' });
    const out = s.run(
      [
        'Set-CsTrunkConfiguration -Identity Global -EnableBypass $true',
        '$b = New-CsNetworkMediaBypassConfiguration -Enabled $true',
        'Set-CsNetworkConfiguration -MediaBypassSettings $b',
        'New-CsNetworkSubnet -Identity 10.71.109.0 -MaskBits 24 -NetworkSiteID Portland',
        'Set-CsVoicePolicy -Identity Global -AllowPSTNReRouting $false',
      ].join('\n'),
    );
    expect(out.records.map((x) => x.outcome)).toEqual(['ok', 'ok', 'ok', 'ok', 'denied']);
  });
});

describe('roles scoped to a site (New-CsAdminRole -ConfigScopes site:X)', () => {
  const portland = role('PortlandVoice', {
    custom: [
      { name: 'PortlandVoice', template: 'CsVoiceAdministrator', configScopes: ['site:Portland'] },
    ],
  });

  it("changes that site's trunks (a gateway of the site included) and media configuration", () => {
    const s = new AdminSession({ text: TEXT, file: 'x', role: portland, mode: 'live' });
    const out = s.run(
      [
        'New-CsTrunkConfiguration -Identity PstnGateway:gw-por -EnableBypass $true',
        'New-CsTrunkConfiguration -Identity site:Portland -EnableBypass $true',
        'New-CsMediaConfiguration -Identity site:Portland -EncryptionLevel RequireEncryption',
      ].join('\n'),
    );
    expect(out.records.map((x) => x.outcome)).toEqual(['ok', 'ok', 'ok']);
  });

  it('is denied global objects, another site, and the global network configuration', () => {
    const s = new AdminSession({ text: TEXT, file: 'x', role: portland, mode: 'live' });
    const out = s.run(
      [
        'Set-CsTrunkConfiguration -Identity Global -EnableBypass $false',
        'New-CsTrunkConfiguration -Identity PstnGateway:gw-chi -EnableBypass $false',
        'Set-CsNetworkSite -Identity Portland -Description "branch"',
        'Get-CsNetworkSite',
      ].join('\n'),
    );
    expect(out.records.map((x) => x.outcome)).toEqual(['denied', 'denied', 'denied', 'ok']);
    expect(out.output.join('\n')).toContain(
      'Access denied: the role PortlandVoice (CsVoiceAdministrator, site:Portland) may not change PstnGateway:gw-chi (site:Chicago): its scope is site:Portland',
    );
    expect(s.text).toBe(TEXT);
  });

  it('is made from --scope on a predefined role too', () => {
    const r = role('CsVoiceAdministrator', { scopes: ['site:Chicago'] });
    expect(
      run(r, 'New-CsTrunkConfiguration -Identity PstnGateway:gw-chi -EnableBypass $false').record
        ?.outcome,
    ).toBe('ok');
  });
});

describe('resolveRole', () => {
  it('knows the roles in any letter case, and says what is wrong otherwise', () => {
    expect(role('csvoiceadministrator').name).toBe('CsVoiceAdministrator');
    expect(resolveRole('CsWizard')).toMatch(
      /unknown role "CsWizard" \(expected one of CsAdministrator, /,
    );
    expect(resolveRole('CsHelpDesk', { scopes: ['pool:x'] })).toMatch(/config scope "pool:x"/);
  });
});
