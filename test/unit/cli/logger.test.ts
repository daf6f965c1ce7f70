import { describe, expect, it } from 'vitest';
import { logLevelOf } from '../../../src/cli/logger.js';

describe('the root logger', () => {
  it('takes the levels of --log-level and refuses others', () => {
    expect(logLevelOf(undefined, 'info')).toBe('info');
    expect(logLevelOf('debug', 'info')).toBe('debug');
    expect(() => logLevelOf('loud', 'info')).toThrow(/--log-level must be one of/);
  });
});
