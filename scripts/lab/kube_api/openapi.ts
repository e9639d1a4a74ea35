/**
 * The OpenAPI documents kubectl downloads before `apply`, reduced to what it reads:
 *
 * - `/openapi/v3` and `/openapi/v3/<gv>`: one PATCH operation per kind with the
 *   `x-kubernetes-group-version-kind` extension and the `fieldValidation` query parameter, so
 *   kubectl leaves validation to the server (`fieldValidation=Strict`). The operations declare
 *   no strategic-merge request body, so kubectl builds its patches from its compiled-in types.
 * - `/openapi/v2`: kubectl always validates Namespaces against v2 (protobuf). A document with
 *   no definitions makes it skip that validation, as for any kind the schema does not know.
 */
import { groupVersion, RESOURCES, type ResourceType } from "./resources.ts";

const HASH = "flannel-test";

function gvPath(gv: { group: string; version: string }): string {
  return gv.group === "" ? `api/${gv.version}` : `apis/${gv.group}/${gv.version}`;
}

/** `GET /openapi/v3`. */
export function openAPIV3Root(): unknown {
  const paths: Record<string, unknown> = {};
  for (const r of RESOURCES) {
    paths[gvPath(r)] = { serverRelativeURL: `/openapi/v3/${gvPath(r)}?hash=${HASH}` };
  }
  return { paths };
}

function patchOp(r: ResourceType): unknown {
  const q = (name: string) => ({
    name,
    in: "query",
    schema: { type: "string", uniqueItems: true },
  });
  return {
    patch: {
      operationId: `patch${r.kind}`,
      parameters: [q("dryRun"), q("fieldManager"), q("fieldValidation")],
      "x-kubernetes-action": "patch",
      "x-kubernetes-group-version-kind": { group: r.group, version: r.version, kind: r.kind },
    },
  };
}

/** `GET /openapi/v3/<api/v1 | apis/g/v>` (null when unknown). */
export function openAPIV3GroupVersion(path: string): unknown {
  const types = RESOURCES.filter((r) => gvPath(r) === path);
  if (types.length === 0) return null;
  const paths: Record<string, unknown> = {};
  for (const r of types) {
    const ns = r.namespaced ? "namespaces/{namespace}/" : "";
    paths[`/${gvPath(r)}/${ns}${r.plural}/{name}`] = patchOp(r);
  }
  const gv = groupVersion(types[0]!);
  return { openapi: "3.0.0", info: { title: "Kubernetes", version: `${gv} (test)` }, paths };
}

function protoString(field: number, text: string): number[] {
  const bytes = [...new TextEncoder().encode(text)];
  return [(field << 3) | 2, bytes.length, ...bytes];
}

/**
 * `GET /openapi/v2` as gnostic's protobuf `Document`:
 * `swagger: "2.0"` (field 1) and `info { title: "Kubernetes", version: "v1.32.0" }` (field 2).
 */
export function openAPIV2Proto(): Uint8Array<ArrayBuffer> {
  const info = [...protoString(1, "Kubernetes"), ...protoString(2, "v1.32.0")];
  return new Uint8Array([...protoString(1, "2.0"), (2 << 3) | 2, info.length, ...info]);
}

/** Content type of {@linkcode openAPIV2Proto}. */
export const OPENAPI_V2_PROTO = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf";
