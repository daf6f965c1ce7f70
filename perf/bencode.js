/**
 * Minimal bencode (BitTorrent encoding) for rtpengine's ng control protocol: integers,
 * byte strings, lists and dictionaries. Strings decode as UTF-8 text.
 */

/** Encodes a value: string, number (integer), array or plain object. */
export function bencode(value) {
  if (typeof value === 'string' || Buffer.isBuffer(value)) {
    const b = Buffer.isBuffer(value) ? value : Buffer.from(value, 'utf8');
    return Buffer.concat([Buffer.from(`${b.length}:`), b]);
  }
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) {
      throw new TypeError(`bencode integers only, got ${value}`);
    }
    return Buffer.from(`i${value}e`);
  }
  if (Array.isArray(value)) {
    return Buffer.concat([Buffer.from('l'), ...value.map(bencode), Buffer.from('e')]);
  }
  if (value !== null && typeof value === 'object') {
    // Keys are sorted as raw byte strings (BEP 3).
    const keys = Object.keys(value).sort();
    const parts = [Buffer.from('d')];
    for (const k of keys) {
      parts.push(bencode(k), bencode(value[k]));
    }
    parts.push(Buffer.from('e'));
    return Buffer.concat(parts);
  }
  throw new TypeError(`cannot bencode ${typeof value}`);
}

/** Decodes one value from `buf`; throws on malformed input. */
export function bdecode(buf) {
  let pos = 0;
  const depthLimit = 64;
  function next(depth) {
    if (depth > depthLimit || pos >= buf.length) {
      throw new Error('bencode: truncated or too deep');
    }
    const c = buf[pos];
    if (c === 0x69) {
      const end = buf.indexOf(0x65, pos);
      if (end < 0) {
        throw new Error('bencode: unterminated integer');
      }
      const n = Number(buf.subarray(pos + 1, end).toString());
      pos = end + 1;
      return n;
    }
    if (c === 0x6c || c === 0x64) {
      pos++;
      const list = [];
      while (pos < buf.length && buf[pos] !== 0x65) {
        list.push(next(depth + 1));
      }
      if (pos >= buf.length) {
        throw new Error('bencode: unterminated list');
      }
      pos++;
      if (c === 0x6c) {
        return list;
      }
      const dict = {};
      for (let i = 0; i + 1 < list.length; i += 2) {
        dict[String(list[i])] = list[i + 1];
      }
      return dict;
    }
    const colon = buf.indexOf(0x3a, pos);
    if (colon < 0) {
      throw new Error('bencode: bad string');
    }
    const len = Number(buf.subarray(pos, colon).toString());
    if (!Number.isInteger(len) || len < 0 || colon + 1 + len > buf.length) {
      throw new Error('bencode: bad string length');
    }
    const s = buf.subarray(colon + 1, colon + 1 + len).toString('utf8');
    pos = colon + 1 + len;
    return s;
  }
  return next(0);
}
