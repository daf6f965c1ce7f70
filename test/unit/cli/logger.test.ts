import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createRootLogger, logLevelOf, oneKeyEach } from '../../../src/cli/logger.js';

describe('the root logger', () => {
  it('writes each key once: the innermost value, at the place of the first', () => {
    expect(
      oneKeyEach(
        '{"level":20,"mod":"lab","host":"a","mod":"sip.stack","port":5,"port":5,"msg":"m"}\n',
      ),
    ).toBe('{"level":20,"mod":"sip.stack","host":"a","port":5,"msg":"m"}\n');
  });

  it('makes children that bind a key again write it once', async () => {
    const stderr = new PassThrough();
    let text = '';
    stderr.on('data', (d: Buffer) => (text += d.toString()));
    const root = createRootLogger({
      level: 'debug',
      file: null,
      io: { stdout: new PassThrough(), stderr, env: {} },
      bindings: { scenario: 's' },
    });
    root.logger
      .child({ mod: 'lab' })
      .child({ host: 'alice' })
      .child({ mod: 'sip.ua' })
      .debug({ host: 'alice' }, 'hello');
    await root.close();
    const line = JSON.parse(text) as Record<string, unknown>;
    expect(line).toMatchObject({ scenario: 's', mod: 'sip.ua', host: 'alice', msg: 'hello' });
    expect(text.match(/"mod"/g)).toHaveLength(1);
    expect(text.match(/"host"/g)).toHaveLength(1);
  });

  it('takes the levels of --log-level and refuses others', () => {
    expect(logLevelOf(undefined, 'info')).toBe('info');
    expect(logLevelOf('debug', 'info')).toBe('debug');
    expect(() => logLevelOf('loud', 'info')).toThrow(/--log-level must be one of/);
  });
});
