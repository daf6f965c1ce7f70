import { describe, expect, it } from 'vitest';
import { parseScript, PowerShellSyntaxError } from '../../../src/admin/index.js';
import type { Statement } from '../../../src/admin/index.js';

/** The command of the only statement of a script. */
function command(script: string): Extract<Statement, { kind: 'command' }>['command'] {
  const [s] = parseScript(script);
  if (s?.kind !== 'command') {
    throw new Error(`not a command: ${script}`);
  }
  return s.command;
}

/** The syntax error of a script. */
function syntaxError(script: string): PowerShellSyntaxError {
  try {
    parseScript(script);
  } catch (e) {
    if (e instanceof PowerShellSyntaxError) {
      return e;
    }
    throw e;
  }
  throw new Error(`parsed: ${script}`);
}

describe('the PowerShell parser, on the forms administrators write', () => {
  it('reads named parameters with quoted, bare, Boolean and numeric values', () => {
    const c = command(
      'Set-CsTrunkConfiguration -Identity "PstnGateway:gw-por" -EnableBypass $true -MaxEarlyDialogs 20 -SRTPMode Optional',
    );
    expect(c.name).toBe('Set-CsTrunkConfiguration');
    expect(c.args.map((a) => a.kind)).toEqual([
      'parameter',
      'value',
      'parameter',
      'value',
      'parameter',
      'value',
      'parameter',
      'value',
    ]);
    expect(c.args[1]).toMatchObject({
      value: { kind: 'string', parts: [{ kind: 'text', text: 'PstnGateway:gw-por' }] },
    });
    expect(c.args[3]).toMatchObject({ value: { kind: 'variable', name: 'true' } });
    expect(c.args[5]).toMatchObject({ value: { kind: 'number', value: 20 } });
    expect(c.args[7]).toMatchObject({ value: { kind: 'bareword', text: 'Optional' } });
  });

  it('reads -Name:value, single quotes with doubled quotes, and a switch', () => {
    const c = command("Set-CsNetworkSite -Identity:'O''Hare' -EnableBypass:$false -Force");
    expect(c.args).toMatchObject([
      { kind: 'parameter', name: 'Identity', value: { parts: [{ text: "O'Hare" }] } },
      { kind: 'parameter', name: 'EnableBypass', value: { kind: 'variable', name: 'false' } },
      { kind: 'parameter', name: 'Force', value: null },
    ]);
  });

  it('reads an assignment of a cmdlet and its use, and a subcommand in parentheses', () => {
    const s = parseScript(
      [
        '$mb = New-CsNetworkMediaBypassConfiguration -Enabled $true -AlwaysBypass $false',
        'Set-CsNetworkConfiguration -MediaBypassSettings $mb',
        'Set-CsNetworkConfiguration -MediaBypassSettings (New-CsNetworkMediaBypassConfiguration -Enabled $true)',
      ].join('\n'),
    );
    expect(s).toHaveLength(3);
    expect(s[0]).toMatchObject({ kind: 'command', assign: { variable: 'mb', members: [] } });
    expect(s[2]).toMatchObject({
      command: {
        args: [
          {},
          {
            value: {
              kind: 'subcommand',
              command: { name: 'New-CsNetworkMediaBypassConfiguration' },
            },
          },
        ],
      },
    });
  });

  it('reads member assignment and member access', () => {
    const s = parseScript(
      '$x = Get-CsNetworkConfiguration\n$x.MediaBypassSettings.Enabled = $true\n$x.MediaBypassSettings',
    );
    expect(s[1]).toMatchObject({
      kind: 'expression',
      assign: { variable: 'x', members: ['MediaBypassSettings', 'Enabled'] },
    });
    expect(s[2]).toMatchObject({
      kind: 'expression',
      expr: { kind: 'member', name: 'MediaBypassSettings' },
    });
  });

  it('reads arrays, @() and list modifiers', () => {
    const c = command(
      'New-CsVoiceRoute -Identity r1 -PstnUsages @{Add="Local","Long Distance"; Remove=\'Old\'} -PstnGatewayList @("PstnGateway:a", "PstnGateway:b") -X a,b',
    );
    expect(c.args[3]).toMatchObject({
      value: {
        kind: 'hashtable',
        entries: [{ key: 'Add', value: { kind: 'array' } }, { key: 'Remove' }],
      },
    });
    expect(c.args[5]).toMatchObject({ value: { kind: 'array', items: [{}, {}] } });
    expect(c.args[7]).toMatchObject({
      value: { kind: 'array', items: [{ text: 'a' }, { text: 'b' }] },
    });
  });

  it('joins lines continued with a backtick, and skips comments and semicolons', () => {
    const s = parseScript(
      [
        '# Phase 1: trunks',
        '<# a block',
        '   comment #>',
        'Set-CsTrunkConfiguration -Identity Global `',
        '   -EnableBypass $true   # trailing comment',
        'Get-CsTrunkConfiguration; Get-CsNetworkSite',
      ].join('\n'),
    );
    expect(s.map((x) => (x.kind === 'command' ? x.command.name : x.kind))).toEqual([
      'Set-CsTrunkConfiguration',
      'Get-CsTrunkConfiguration',
      'Get-CsNetworkSite',
    ]);
    expect(s[0]?.pos).toEqual({ line: 4, col: 1 });
  });

  it('expands variables in double-quoted strings, with backtick escapes', () => {
    const c = command('Set-CsTrunkConfiguration -Identity "site:$site" -Description "a `"b`" `$c"');
    expect(c.args[1]).toMatchObject({
      value: {
        parts: [
          { kind: 'text', text: 'site:' },
          { kind: 'variable', name: 'site' },
        ],
      },
    });
    expect(c.args[3]).toMatchObject({ value: { parts: [{ kind: 'text', text: 'a "b" $c' }] } });
  });

  it('takes a pipeline into Format-List, Format-Table or Select-Object', () => {
    expect(command('Get-CsNetworkSite | Format-List').format).toMatchObject({ kind: 'list' });
    expect(command('Get-CsNetworkSite | ft Identity,BypassID').format).toMatchObject({
      kind: 'table',
      properties: ['Identity', 'BypassID'],
    });
    expect(command('Get-CsNetworkSite | Select-Object -Property Identity').format).toMatchObject({
      kind: 'select',
      properties: ['Identity'],
    });
  });

  it.each([
    ['Get-CsNetworkSubnet | Remove-CsNetworkSubnet', /Pipelines are not supported.*-Identity/],
    ['Set-CsTrunkConfiguration @params', /Splatting \(@name\) is not supported/],
    ['foreach ($s in $sites) { Get-CsNetworkSite $s }', /'foreach' statements are not supported/],
    ['Get-CsNetworkSite | Where-Object { $_.Identity -eq "x" }', /Pipelines are not supported/],
    ['$x.Replace("a", "b")', /Method calls/],
    ['& Get-CsNetworkSite', /call operators/],
  ])('refuses %s with a clear message', (script, message) => {
    const e = syntaxError(script);
    expect(e.code).toBe('SIM_ERR_ADMIN_SYNTAX');
    expect(e.message).toMatch(message);
    expect(e.incomplete).toBe(false);
  });

  it.each([
    ['Set-CsNetworkSite -Identity "Portland'],
    ['Set-CsNetworkSite -Identity Portland `'],
    ['Set-CsNetworkConfiguration -MediaBypassSettings (New-CsNetworkMediaBypassConfiguration'],
    ['$x ='],
    ['New-CsVoiceRoute -PstnUsages @{Add="a"'],
  ])('says that %s is incomplete (the shell asks for more)', (script) => {
    expect(syntaxError(script).incomplete).toBe(true);
  });

  it('gives the line and column of a syntax error', () => {
    const e = syntaxError('Get-CsNetworkSite\nSet-CsNetworkSite -Identity X }');
    expect(e.pos).toEqual({ line: 2, col: 31 });
    expect(e.message).toContain('(line 2, column 31)');
  });
});
