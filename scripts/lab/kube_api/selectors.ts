/**
 * Field and label selectors of the test API server: the equality forms kubectl and client
 * libraries send (`metadata.name=n1`, `app=flannel,tier!=x`, `key`, `!key`).
 */
import { isObj } from "./patch.ts";
import type { Obj } from "./state.ts";

function fieldValue(o: Obj, path: string): string {
  let cur: unknown = o;
  for (const seg of path.split(".")) cur = isObj(cur) ? cur[seg] : undefined;
  return cur === undefined || cur === null ? "" : String(cur);
}

function terms(selector: string): string[] {
  return selector.split(",").map((s) => s.trim()).filter((s) => s !== "");
}

function matchTerm(term: string, lookup: (k: string) => string | undefined): boolean {
  const m = term.match(/^([^!=]+?)\s*(==|!=|=)\s*(.*)$/);
  if (m) {
    const v = lookup(m[1]!.trim());
    return m[2] === "!=" ? v !== m[3] : v === m[3];
  }
  if (term.startsWith("!")) return lookup(term.slice(1).trim()) === undefined;
  return lookup(term) !== undefined;
}

/** Whether `o` matches both selectors (empty selectors match everything). */
export function matchesSelectors(o: Obj, fieldSelector: string, labelSelector: string): boolean {
  const labels = isObj(o.metadata) && isObj(o.metadata.labels) ? o.metadata.labels : {};
  const label = (k: string) => {
    const v = labels[k];
    return typeof v === "string" ? v : undefined;
  };
  return terms(fieldSelector).every((t) => matchTerm(t, (k) => fieldValue(o, k))) &&
    terms(labelSelector).every((t) => matchTerm(t, label));
}
