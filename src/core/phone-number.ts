/**
 * A caller's or callee's telephone number in the two forms the simulator needs: the number of
 * a line URI (`tel:+13125550101;ext=101` -> `+13125550101`), which routes match, and the dial
 * string a SIP Request-URI carries (`13125550101`). Pure text; it knows nothing of scenarios,
 * routes or SIP messages.
 */

/**
 * The number of a line URI (RFC 3966 `tel:` URI, as a user's Line URI is written): the
 * `tel:` scheme (any case) and every parameter after the first `;` are dropped, and the
 * number keeps its `+` when it has one (E.164). Text without a scheme is taken as the number.
 *
 * @example lineUriNumber('tel:+13125550101;ext=101') === '+13125550101'
 */
export function lineUriNumber(uri: string): string {
  const start = uri.length >= 4 && uri.slice(0, 4).toLowerCase() === 'tel:' ? 4 : 0;
  const end = uri.indexOf(';', start);
  return uri.slice(start, end === -1 ? uri.length : end);
}

/**
 * A number as dialled in the user part of a SIP Request-URI towards a gateway: without the
 * leading `+` of an E.164 number.
 *
 * @example dialString('+13125550101') === '13125550101'
 */
export function dialString(number: string): string {
  return number.startsWith('+') ? number.slice(1) : number;
}
