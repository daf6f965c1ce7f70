/**
 * The defensive readers of the normalizer: each reads one value of the parsed YAML and falls
 * back to a default when it is missing or of the wrong type, so that normalizing never fails
 * and the semantic rules still run (and report with the right indices) when the schema check
 * found problems elsewhere. Also the duration parser.
 *
 * This file must not know zod, YAML positions, the model's shape or any default value.
 */
import type { CodecName, VideoCodecName } from './enums.js';

/** Parses `1500ms`, `2s`, `1.5m` or a number of seconds into milliseconds. */
export function durationMs(value: unknown, fallback: number): number {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) {
    return Math.round(value * 1000);
  }
  if (typeof value === 'string') {
    const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m)$/.exec(value.trim());
    if (m) {
      const n = Number(m[1]);
      return Math.round(m[2] === 'ms' ? n : m[2] === 's' ? n * 1000 : n * 60_000);
    }
  }
  return fallback;
}

/** The value as a map, or an empty one. */
export function obj(v: unknown): Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : {};
}
/** The value as a list, or an empty one. */
export function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}
/** The value as a string (a number is written out), else the fallback. */
export function str(v: unknown, fallback: string): string {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : fallback;
}
/** The value when it is a string, else null. */
export function strOrNull(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}
/** The value when it is a boolean, else the fallback. */
export function bool(v: unknown, fallback: boolean): boolean {
  return typeof v === 'boolean' ? v : fallback;
}
/** The value when it is a finite number, else the fallback. */
export function num(v: unknown, fallback: number): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : fallback;
}
/** The value when it is one of `allowed`, else the fallback. */
export function pick<T extends string>(v: unknown, allowed: readonly T[], fallback: T): T {
  return typeof v === 'string' && (allowed as readonly string[]).includes(v) ? (v as T) : fallback;
}
/** The first two elements of a list, as strings. */
export function pair(v: unknown): readonly [string, string] {
  const a = arr(v);
  return [str(a[0], ''), str(a[1], '')];
}
/** A list of codec names (the rules check them), or a copy of the fallback when not a list. */
export function codecs<T extends CodecName | VideoCodecName>(
  v: unknown,
  fallback: readonly T[],
): T[] {
  return Array.isArray(v) ? v.filter((x): x is T => typeof x === 'string') : [...fallback];
}
