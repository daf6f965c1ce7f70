/**
 * The answers a trainee records for a lab (`answers.yaml`: one `key: answer` per line), read
 * and written back with one answer changed, so that the file can be edited by hand too.
 *
 * This file must not know files or goals: text in, text out.
 */
import { Document, isMap, parseDocument } from 'yaml';

/**
 * Reads an answers file; a missing or empty file has no answers.
 *
 * @returns The answers by key, or the reason the text is not a map of answers.
 */
export function parseAnswers(text: string): ReadonlyMap<string, string> | string {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) {
    return `not YAML: ${doc.errors[0]?.message.split('\n')[0] ?? ''}`;
  }
  const data: unknown = doc.toJS();
  if (data === null || data === undefined) {
    return new Map();
  }
  if (typeof data !== 'object' || Array.isArray(data)) {
    return 'not a map of answers (key: answer)';
  }
  return new Map(
    Object.entries(data as Record<string, unknown>).map(([k, v]) => [
      k,
      Array.isArray(v) ? v.map(String).join(', ') : String(v as string),
    ]),
  );
}

/** The answers file's text with one answer set (comments and other answers kept). */
export function setAnswer(text: string, key: string, answer: string): string {
  const parsed = text.trim() === '' ? null : parseDocument(text);
  const doc = parsed !== null && isMap(parsed.contents) ? parsed : new Document({});
  doc.set(key, answer);
  return doc.toString({ lineWidth: 0 });
}
