import { describe, expect, it } from 'vitest';
import { dialString, lineUriNumber } from '../../../src/core/index.js';

describe('lineUriNumber', () => {
  it('keeps the + of an E.164 number and drops the tel: scheme', () => {
    expect(lineUriNumber('tel:+13125550101')).toBe('+13125550101');
  });

  it('drops every parameter', () => {
    expect(lineUriNumber('tel:+13125550101;ext=101')).toBe('+13125550101');
    expect(lineUriNumber('tel:+13125550101;ext=101;phone-context=example.com')).toBe(
      '+13125550101',
    );
  });

  it('takes the scheme in any case', () => {
    expect(lineUriNumber('TEL:+44205550101')).toBe('+44205550101');
    expect(lineUriNumber('Tel:+44205550101;ext=7')).toBe('+44205550101');
  });

  it('leaves a number without + as it is', () => {
    expect(lineUriNumber('tel:5550101;phone-context=+1312')).toBe('5550101');
  });

  it('takes text without a scheme as the number', () => {
    expect(lineUriNumber('+13125550101')).toBe('+13125550101');
    expect(lineUriNumber('+13125550101;ext=1')).toBe('+13125550101');
    expect(lineUriNumber('')).toBe('');
  });

  it('agrees with the two ways the tel: prefix used to be stripped', () => {
    for (const uri of ['tel:+13125550101', 'TEL:+1;x=y', 'tel:5550101;a', 'tel:']) {
      const policy = uri.replace(/^tel:/i, '').replace(/;.*$/, '');
      const lab = uri.replace(/^tel:\+?/i, '').replace(/;.*$/, '');
      expect(lineUriNumber(uri)).toBe(policy);
      expect(dialString(lineUriNumber(uri))).toBe(lab);
    }
  });
});

describe('dialString', () => {
  it('drops the leading + of an E.164 number', () => {
    expect(dialString('+13125550101')).toBe('13125550101');
  });

  it('leaves a number without + and a gateway name alone', () => {
    expect(dialString('5550101')).toBe('5550101');
    expect(dialString('gw-chi')).toBe('gw-chi');
  });

  it('drops only one leading +', () => {
    expect(dialString('++1')).toBe('+1');
    expect(dialString('1+2')).toBe('1+2');
  });
});
