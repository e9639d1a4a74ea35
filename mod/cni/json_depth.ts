/**
 * The nesting bound of CNI JSON. Go's decoder refuses input nested deeper than 10000 with
 * `exceeded max depth`; here the bound is {@linkcode MAX_JSON_DEPTH}, checked on the text
 * before parsing, so code that walks a config recursively (Go-style serialisation of the
 * delegate config, see go_json.ts) never meets more than that and a hostile input gets a
 * decoding error instead of a stack overflow.
 *
 * Design notes: 1000 levels is far above any real configuration (a conflist with a
 * delegate, IPAM ranges and runtime config nests about 6 deep) and far below where V8's
 * default stack ends for a recursive walk (measured: go_json's writer overflowed between
 * 2000 and 3000 levels). The scan is iterative and linear, and skips string contents.
 */

/** Deepest nesting of arrays and objects accepted in CNI JSON. */
export const MAX_JSON_DEPTH = 1000;

/** True when `text` nests arrays/objects deeper than `max` (strings are skipped). */
export function exceedsDepth(text: string, max: number = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}
