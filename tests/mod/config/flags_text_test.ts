import { assert, assertEquals, assertStringIncludes } from "../../harness/assert.ts";
import { parseFlags } from "../../../mod/config/flags.ts";
import { envName, flagEntries, isExtension } from "../../../mod/config/flag_table.ts";
import { flagsConfigLine, REDACTED, usageText } from "../../../mod/config/flags_text.ts";

// The line upstream v0.28.x logs for `--kube-subnet-mgr --ip-masq` (kube-flannel.yml's args),
// copied from a real kube-flannel pod log.
const UPSTREAM_LINE =
  "CLI flags config: {etcdEndpoints:http://127.0.0.1:4001,http://127.0.0.1:2379 " +
  "etcdPrefix:/coreos.com/network etcdKeyfile: etcdCertfile: etcdCAFile: etcdUsername: " +
  "etcdPassword: version:false kubeSubnetMgr:true kubeApiUrl: " +
  "kubeAnnotationPrefix:flannel.alpha.coreos.com kubeConfigFile: iface:[] ifaceRegex:[] " +
  "ipMasq:true ipMasqRandomFullyDisable:false ifaceCanReach: subnetFile:/run/flannel/subnet.env " +
  "publicIP: publicIPv6: subnetLeaseRenewMargin:60 healthzIP:0.0.0.0 healthzPort:0 " +
  "iptablesResyncSeconds:5 iptablesForwardRules:true blackholeRoute:false " +
  "netConfPath:/etc/kube-flannel/net-conf.json setNodeNetworkUnavailable:true";

Deno.test("flagsConfigLine() reproduces upstream's line, then our extensions", () => {
  const line = flagsConfigLine(parseFlags(["--kube-subnet-mgr", "--ip-masq"], {}));
  assertEquals(
    line,
    UPSTREAM_LINE + " store:kube localStoreDir:/var/lib/flannel/leases " +
      "localNetworkConfig:/etc/flannel/net-conf.json reconcileIntervalSeconds:10}",
  );
});

Deno.test("flagsConfigLine() redacts the etcd password, from flag or env", () => {
  for (
    const o of [
      parseFlags(["--etcd-password=hunter2", "--etcd-username=u", "--iface=a", "--iface=b"], {}),
      parseFlags(["--etcd-username=u", "--iface=a", "--iface=b"], {
        FLANNELD_ETCD_PASSWORD: "hunter2",
      }),
    ]
  ) {
    const line = flagsConfigLine(o);
    assert(!line.includes("hunter2"), line);
    assertStringIncludes(line, `etcdUsername:u etcdPassword:${REDACTED} `);
    assertStringIncludes(line, " iface:[a b] ");
  }
  assertStringIncludes(flagsConfigLine(parseFlags([], {})), " etcdPassword: version:false ");
});

Deno.test("usageText() lists every flag with its default and environment variable", () => {
  const text = usageText("flanneld");
  assert(text.startsWith("Usage: flanneld [OPTION]...\n"));
  for (const [field, def] of flagEntries()) {
    assertStringIncludes(text, `\n  -${def.name}`);
    if (field !== "version") assertStringIncludes(text, `env ${envName(def.name)}`);
  }
  assertStringIncludes(text, "FLANNELD_VERSION is ignored");
  assertStringIncludes(
    text,
    '(default "http://127.0.0.1:4001,http://127.0.0.1:2379"; env FLANNELD_ETCD_ENDPOINTS)',
  );
  assertStringIncludes(text, "(default 60; env FLANNELD_SUBNET_LEASE_RENEW_MARGIN)");
  assertStringIncludes(text, "(default true; env FLANNELD_IPTABLES_FORWARD_RULES)");
  assertStringIncludes(text, '(default ""; env FLANNELD_PUBLIC_IP)');
  assertStringIncludes(text, "(default []; env FLANNELD_IFACE; repeatable)");
  assertStringIncludes(text, "  -h, -help\n");
});

Deno.test("usageText() sorts upstream flags by name and puts extensions in their own block", () => {
  const text = usageText("flanneld");
  const [upstreamPart, extPart] = text.split("Extensions (not in upstream flanneld");
  assert(extPart !== undefined);
  const names = (part: string) => [...part.matchAll(/^ {2}-([\w-]+)/gm)].map((m) => m[1]!);
  const upstream = names(upstreamPart!).filter((n) => n !== "h");
  assertEquals(upstream, [...upstream].sort());
  const ext = flagEntries().filter(([f]) => isExtension(f)).map(([, d]) => d.name).sort();
  assertEquals(names(extPart), ext);
  for (const n of ext) assert(!upstream.includes(n));
});
