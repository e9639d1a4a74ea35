import { assert, assertEquals } from "../../harness/assert.ts";
import {
  ALL_FLAGS,
  envName,
  EXTENSION_FLAGS,
  flagEntries,
  isExtension,
  isSecretField,
  UPSTREAM_FLAGS,
} from "../../../mod/config/flag_table.ts";

// spec/flannel.md §1.2: name, kind, default as Go's %v shows it, environment variable.
const SPEC: [string, "string" | "bool" | "int" | "list" | "level", string, string][] = [
  [
    "etcd-endpoints",
    "string",
    "http://127.0.0.1:4001,http://127.0.0.1:2379",
    "FLANNELD_ETCD_ENDPOINTS",
  ],
  ["etcd-prefix", "string", "/coreos.com/network", "FLANNELD_ETCD_PREFIX"],
  ["etcd-keyfile", "string", "", "FLANNELD_ETCD_KEYFILE"],
  ["etcd-certfile", "string", "", "FLANNELD_ETCD_CERTFILE"],
  ["etcd-cafile", "string", "", "FLANNELD_ETCD_CAFILE"],
  ["etcd-username", "string", "", "FLANNELD_ETCD_USERNAME"],
  ["etcd-password", "string", "", "FLANNELD_ETCD_PASSWORD"],
  ["iface", "list", "[]", "FLANNELD_IFACE"],
  ["iface-regex", "list", "[]", "FLANNELD_IFACE_REGEX"],
  ["iface-can-reach", "string", "", "FLANNELD_IFACE_CAN_REACH"],
  ["subnet-file", "string", "/run/flannel/subnet.env", "FLANNELD_SUBNET_FILE"],
  ["public-ip", "string", "", "FLANNELD_PUBLIC_IP"],
  ["public-ipv6", "string", "", "FLANNELD_PUBLIC_IPV6"],
  ["subnet-lease-renew-margin", "int", "60", "FLANNELD_SUBNET_LEASE_RENEW_MARGIN"],
  ["ip-masq", "bool", "false", "FLANNELD_IP_MASQ"],
  ["ip-masq-fully-random-disable", "bool", "false", "FLANNELD_IP_MASQ_FULLY_RANDOM_DISABLE"],
  ["kube-subnet-mgr", "bool", "false", "FLANNELD_KUBE_SUBNET_MGR"],
  ["kube-api-url", "string", "", "FLANNELD_KUBE_API_URL"],
  [
    "kube-annotation-prefix",
    "string",
    "flannel.alpha.coreos.com",
    "FLANNELD_KUBE_ANNOTATION_PREFIX",
  ],
  ["kubeconfig-file", "string", "", "FLANNELD_KUBECONFIG_FILE"],
  ["version", "bool", "false", "FLANNELD_VERSION"],
  ["healthz-ip", "string", "0.0.0.0", "FLANNELD_HEALTHZ_IP"],
  ["healthz-port", "int", "0", "FLANNELD_HEALTHZ_PORT"],
  ["iptables-resync", "int", "5", "FLANNELD_IPTABLES_RESYNC"],
  ["iptables-forward-rules", "bool", "true", "FLANNELD_IPTABLES_FORWARD_RULES"],
  ["ip-blackhole-route", "bool", "false", "FLANNELD_IP_BLACKHOLE_ROUTE"],
  ["net-config-path", "string", "/etc/kube-flannel/net-conf.json", "FLANNELD_NET_CONFIG_PATH"],
  ["set-node-network-unavailable", "bool", "true", "FLANNELD_SET_NODE_NETWORK_UNAVAILABLE"],
  ["v", "level", "0", "FLANNELD_V"],
  ["vmodule", "string", "", "FLANNELD_VMODULE"],
  ["log_backtrace_at", "string", "", "FLANNELD_LOG_BACKTRACE_AT"],
];

Deno.test("UPSTREAM_FLAGS holds exactly the flags of spec §1.2 with their defaults", async (t) => {
  const defs = Object.values(UPSTREAM_FLAGS);
  assertEquals(defs.map((d) => d.name).sort(), SPEC.map((s) => s[0]).sort());
  for (const [name, kind, shown, env] of SPEC) {
    await t.step(name, () => {
      const def = defs.find((d) => d.name === name)!;
      assertEquals(def.show(def.initial as never), shown);
      assertEquals(envName(name), env);
      assertEquals(def.isBool, kind === "bool");
      assertEquals(def.repeatable, kind === "list");
    });
  }
});

Deno.test("EXTENSION_FLAGS are our four flags with their defaults", () => {
  const shown = Object.values(EXTENSION_FLAGS).map((d) => [d.name, d.show(d.initial as never)]);
  assertEquals(shown, [
    ["store", "etcd"],
    ["local-store-dir", "/var/lib/flannel/leases"],
    ["local-network-config", "/etc/flannel/net-conf.json"],
    ["reconcile-interval", "10"],
  ]);
  assert(isExtension("store") && isExtension("reconcileIntervalSeconds"));
  assert(!isExtension("iface"));
});

Deno.test("envName() upper-cases and turns - and . into _", () => {
  assertEquals(envName("etcd-endpoints"), "FLANNELD_ETCD_ENDPOINTS");
  assertEquals(envName("log_backtrace_at"), "FLANNELD_LOG_BACKTRACE_AT");
  assertEquals(envName("a.b-c"), "FLANNELD_A_B_C");
});

Deno.test("flag names are unique and only the etcd password is secret", () => {
  const names = flagEntries().map(([, d]) => d.name);
  assertEquals(new Set(names).size, names.length);
  assertEquals(names.length, Object.keys(ALL_FLAGS).length);
  assertEquals(flagEntries().filter(([f]) => isSecretField(f)).map(([, d]) => d.name), [
    "etcd-password",
  ]);
});

Deno.test("README's command-line table documents every flag, its default and variable", async () => {
  const readme = await Deno.readTextFile(new URL("../../../README.md", import.meta.url));
  for (const [field, def] of flagEntries()) {
    const dashes = def.name.length > 1 && !def.name.includes("_") && def.name !== "vmodule"
      ? "--"
      : "-";
    const row = readme.split("\n").find((l) => l.startsWith(`| \`${dashes}${def.name}\``));
    assert(row !== undefined, `README has no row for ${dashes}${def.name}`);
    const shown = def.show(def.initial as never);
    if (shown !== "" && shown !== "[]") assert(row.includes(`\`${shown}\``), row);
    if (field !== "version") assert(row.includes(`\`${envName(def.name)}\``), row);
    assertEquals(row.includes("_(extension)_"), isExtension(field), row);
  }
});
