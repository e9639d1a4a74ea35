/**
 * CNI spec versions: the supported list, Go-compatible parsing and comparison.
 *
 * Negotiation is by exact string (`"1.0"` is refused); ordering (CHECK needs ≥ 0.4.0, GC and
 * STATUS ≥ 1.1.0) follows the Go library's `ParseVersion`, whose error texts are copied.
 */

/** Every spec version this plugin speaks, oldest first (the Go library's `version.All`). */
export const SUPPORTED_VERSIONS = [
  "0.1.0",
  "0.2.0",
  "0.3.0",
  "0.3.1",
  "0.4.0",
  "1.0.0",
  "1.1.0",
] as const;

/** The version VERSION reports as its own (the library's, whatever stdin said). */
export const LIBRARY_VERSION = "1.1.0";

/** A config without `cniVersion` (or with `""`) counts as this version. */
export const DEFAULT_VERSION = "0.1.0";

const INT = /^[+-]?[0-9]+$/;

function part(name: string, text: string): number {
  if (!INT.test(text)) {
    throw new Error(
      `failed to convert ${name} version part "${text}": strconv.Atoi: parsing "${text}": invalid syntax`,
    );
  }
  return Number(text);
}

/** `[major, minor, micro]` of a version string; `""` is 0.1.0. Throws Go's error texts. */
export function parseVersion(v: string): [number, number, number] {
  if (v === "") return [0, 1, 0];
  const parts = v.split(".");
  if (parts.length >= 4) throw new Error(`invalid version "${v}": too many parts`);
  const major = part("major", parts[0]!);
  const minor = parts.length >= 2 ? part("minor", parts[1]!) : 0;
  const micro = parts.length >= 3 ? part("micro", parts[2]!) : 0;
  return [major, minor, micro];
}

/** True when version `a` ≥ version `b`. Throws on an unparsable version. */
export function versionAtLeast(a: string, b: string): boolean {
  const x = parseVersion(a), y = parseVersion(b);
  for (let i = 0; i < 3; i++) {
    if (x[i]! !== y[i]!) return x[i]! > y[i]!;
  }
  return true;
}

/** True when `v` is exactly one of {@linkcode SUPPORTED_VERSIONS}. */
export function isSupported(v: string): boolean {
  return (SUPPORTED_VERSIONS as readonly string[]).includes(v);
}

/** Go's `%q` of the supported list: `["0.1.0" "0.2.0" ...]`. */
export function supportedQuoted(): string {
  return `[${SUPPORTED_VERSIONS.map((v) => `"${v}"`).join(" ")}]`;
}
