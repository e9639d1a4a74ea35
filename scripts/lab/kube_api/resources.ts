/**
 * The resource types the test API server knows and the discovery documents built from them
 * (`/api`, `/api/v1`, `/apis`, `/apis/<group>/<version>`, `/version`): what kubectl needs to
 * map `kind` → URL for the objects of scripts/deploy/kube-flannel.yml, and the node and pod
 * endpoints the agent uses.
 */

export interface ResourceType {
  group: string; // "" for the core group
  version: string;
  kind: string;
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames?: string[];
  /** Subresources served (`status`). */
  subresources: string[];
}

const ALL_VERBS = ["create", "delete", "get", "list", "patch", "update", "watch"];

function rt(
  group: string,
  version: string,
  kind: string,
  plural: string,
  namespaced: boolean,
  extra: Partial<ResourceType> = {},
): ResourceType {
  return {
    group,
    version,
    kind,
    plural,
    singular: kind.toLowerCase(),
    namespaced,
    subresources: [],
    ...extra,
  };
}

/** Every type served. */
export const RESOURCES: readonly ResourceType[] = [
  rt("", "v1", "Namespace", "namespaces", false, { shortNames: ["ns"], subresources: ["status"] }),
  rt("", "v1", "Node", "nodes", false, { shortNames: ["no"], subresources: ["status"] }),
  rt("", "v1", "Pod", "pods", true, { shortNames: ["po"], subresources: ["status"] }),
  rt("", "v1", "ServiceAccount", "serviceaccounts", true, { shortNames: ["sa"] }),
  rt("", "v1", "ConfigMap", "configmaps", true, { shortNames: ["cm"] }),
  rt("apps", "v1", "DaemonSet", "daemonsets", true, {
    shortNames: ["ds"],
    subresources: ["status"],
  }),
  rt("rbac.authorization.k8s.io", "v1", "ClusterRole", "clusterroles", false),
  rt("rbac.authorization.k8s.io", "v1", "ClusterRoleBinding", "clusterrolebindings", false),
  rt("rbac.authorization.k8s.io", "v1", "Role", "roles", true),
  rt("rbac.authorization.k8s.io", "v1", "RoleBinding", "rolebindings", true),
];

/** `v1` or `apps/v1`. */
export function groupVersion(t: { group: string; version: string }): string {
  return t.group === "" ? t.version : `${t.group}/${t.version}`;
}

/** The type served at group/version/plural, if any. */
export function findResource(group: string, version: string, plural: string): ResourceType | null {
  return RESOURCES.find((r) => r.group === group && r.version === version && r.plural === plural) ??
    null;
}

/** `GET /api`. */
export function coreVersions(serverAddress: string): unknown {
  return {
    kind: "APIVersions",
    versions: ["v1"],
    serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress }],
  };
}

function groups(): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const r of RESOURCES) {
    if (r.group === "") continue;
    const vs = out.get(r.group) ?? [];
    if (!vs.includes(r.version)) vs.push(r.version);
    out.set(r.group, vs);
  }
  return out;
}

/** `GET /apis`. */
export function groupList(): unknown {
  return {
    kind: "APIGroupList",
    apiVersion: "v1",
    groups: [...groups()].map(([name, versions]) => ({
      name,
      versions: versions.map((v) => ({ groupVersion: `${name}/${v}`, version: v })),
      preferredVersion: { groupVersion: `${name}/${versions[0]}`, version: versions[0] },
    })),
  };
}

/** `GET /apis/<group>` (null when unknown). */
export function groupDoc(group: string): unknown {
  const versions = groups().get(group);
  if (!versions) return null;
  const vs = versions.map((v) => ({ groupVersion: `${group}/${v}`, version: v }));
  return { kind: "APIGroup", apiVersion: "v1", name: group, versions: vs, preferredVersion: vs[0] };
}

/** `GET /api/v1` or `/apis/<group>/<version>` (null when unknown). */
export function resourceList(group: string, version: string): unknown {
  const types = RESOURCES.filter((r) => r.group === group && r.version === version);
  if (types.length === 0) return null;
  const resources = types.flatMap((r) => [
    {
      name: r.plural,
      singularName: r.singular,
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: ALL_VERBS,
      ...(r.shortNames ? { shortNames: r.shortNames } : {}),
    },
    ...r.subresources.map((s) => ({
      name: `${r.plural}/${s}`,
      singularName: "",
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: ["get", "patch", "update"],
    })),
  ]);
  return {
    kind: "APIResourceList",
    apiVersion: "v1",
    groupVersion: groupVersion({ group, version }),
    resources,
  };
}

/** `GET /version`: what a v1.32 server reports. */
export function versionInfo(): unknown {
  return {
    major: "1",
    minor: "32",
    gitVersion: "v1.32.0-flannel-test",
    gitCommit: "0000000000000000000000000000000000000000",
    gitTreeState: "clean",
    buildDate: "2026-01-01T00:00:00Z",
    goVersion: "go1.23.0",
    compiler: "gc",
    platform: "linux/amd64",
  };
}
