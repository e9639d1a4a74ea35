/**
 * The Kubernetes node annotations flannel reads and writes (upstream `annotations.go`): the
 * prefix rules of `--kube-annotation-prefix`, the annotation names, the exact text of the
 * values we write, and the VTEP MAC restore rule.
 *
 * Design notes: the values are produced the way Go's `encoding/json` produces them (compact,
 * `<`, `>`, `&`, U+2028 and U+2029 escaped), so a node annotated by us reads byte for byte like
 * one annotated by upstream flanneld. One deliberate fix: upstream restores the MAC from
 * `<raw prefix>/backend-data`, which only exists when the prefix has no slash (the default);
 * we read the normalised `backend-data` name, the one both programs actually write.
 */
import { FlannelError } from "../errors.ts";

/** `--kube-annotation-prefix` does not follow the annotation name rules. */
export class AnnotationPrefixError extends FlannelError {
  override name = "AnnotationPrefixError";
  constructor(message: string) {
    super("EPREFIX", message);
  }
}

/** The default `--kube-annotation-prefix`. */
export const DEFAULT_ANNOTATION_PREFIX = "flannel.alpha.coreos.com";

/** Full annotation names for one prefix (upstream's `annotations` struct). */
export interface AnnotationNames {
  /** The normalised prefix (`flannel.alpha.coreos.com/`, `org.com/x-`). */
  readonly prefix: string;
  readonly subnetKubeManaged: string;
  readonly backendData: string;
  readonly backendV6Data: string;
  readonly backendType: string;
  readonly publicIP: string;
  readonly publicIPv6: string;
  readonly nodePublicIP: string;
  readonly nodePublicIPv6: string;
  readonly publicIPOverwrite: string;
  readonly publicIPv6Overwrite: string;
}

const PREFIX_FORMAT = /(?:[a-z0-9_-]+\.)+[a-z0-9_-]+\/(?:[a-z0-9_-]+-)?$/;

/**
 * Normalises a prefix (upstream `newAnnotations`): no slash → append `/`; not ending in `/`
 * or `-` → append `-`; then it must read `fqdn/[0-9a-z-_]*`. Throws upstream's messages.
 * Like upstream's unanchored-at-start regexp, only the tail of the prefix is checked.
 */
export function normalizeAnnotationPrefix(raw: string): string {
  const slashes = raw.split("/").length - 1;
  if (slashes > 1) {
    throw new AnnotationPrefixError("subnet/kube: prefix can contain at most single slash");
  }
  let prefix = slashes === 0 ? raw + "/" : raw;
  if (!prefix.endsWith("/") && !prefix.endsWith("-")) prefix += "-";
  if (!PREFIX_FORMAT.test(prefix)) {
    throw new AnnotationPrefixError("subnet/kube: prefix must be in a format: fqdn/[0-9a-z-_]*");
  }
  return prefix;
}

/** Annotation names for `--kube-annotation-prefix` `raw`; throws {@linkcode AnnotationPrefixError}. */
export function annotationNames(raw: string = DEFAULT_ANNOTATION_PREFIX): AnnotationNames {
  const p = normalizeAnnotationPrefix(raw);
  return {
    prefix: p,
    subnetKubeManaged: p + "kube-subnet-manager",
    backendData: p + "backend-data",
    backendV6Data: p + "backend-v6-data",
    backendType: p + "backend-type",
    publicIP: p + "public-ip",
    publicIPv6: p + "public-ipv6",
    nodePublicIP: p + "node-public-ip",
    nodePublicIPv6: p + "node-public-ipv6",
    publicIPOverwrite: p + "public-ip-overwrite",
    publicIPv6Overwrite: p + "public-ipv6-overwrite",
  };
}

/** Every name in `names`, for filtering a node's annotations down to ours. */
export function allAnnotationNames(names: AnnotationNames): string[] {
  return Object.entries(names).filter(([k]) => k !== "prefix").map(([, v]) => v);
}

/** The value of `kube-subnet-manager` on a node flannel manages. */
export const KUBE_MANAGED_VALUE = "true";

const GO_ESCAPES: Record<string, string> = {
  "<": "\\u003c",
  ">": "\\u003e",
  "&": "\\u0026",
  "\u2028": "\\u2028",
  "\u2029": "\\u2029",
};

/** JSON text of `value` as Go's `json.Marshal` writes it (HTML-safe escapes included). */
export function goJSON(value: unknown): string {
  const text = JSON.stringify(value) ?? "null";
  return text.replace(/[<>&\u2028\u2029]/g, (c) => GO_ESCAPES[c]!);
}

/**
 * The `backend-data` / `backend-v6-data` value: the backend data's JSON text, `null` when the
 * backend has none (what upstream's `json.RawMessage(nil).MarshalJSON()` gives).
 */
export function encodeBackendData(data: unknown): string {
  return data === undefined ? "null" : goJSON(data);
}

const MAC = /^[0-9a-fA-F]{2}(?::[0-9a-fA-F]{2}){5}$/;

/**
 * Upstream's MAC restore rule for a `backend-data` value: trim `"` and `}` from both ends,
 * split on `:"`, and take the second part when there are exactly two
 * (`{"VNI":1,"VtepMAC":"12:c6:65:89:b4:e3"}` → `12:c6:65:89:b4:e3`). We also require the
 * result to be a MAC (upstream hands anything to the device and fails later); else `null`.
 */
export function macFromBackendData(value: string | undefined): string | null {
  if (value === undefined) return null;
  const parts = value.replace(/^["}]+|["}]+$/g, "").split(':"');
  if (parts.length !== 2) return null;
  const mac = parts[1]!;
  return MAC.test(mac) ? mac.toLowerCase() : null;
}
