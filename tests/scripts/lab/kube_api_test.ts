/**
 * Fidelity of the Kubernetes API test server, proven with the real kubectl (Google's v1.32
 * build or Debian's kubernetes-client): everything the agent's tests rely on is also what a
 * real client accepts from a real API server. Each test uses a kubeconfig in a temp dir
 * (never ~/.kube).
 */
import { assert, assertEquals, assertMatch, assertStringIncludes } from "../../harness/assert.ts";
import { exec } from "../../../scripts/lab/netns.ts";
import { KubeApiServer } from "../../../scripts/lab/kube_api.ts";

const kubectlPath = ["/usr/bin/kubectl", "/usr/local/bin/kubectl"].find((p) => {
  try {
    return Deno.statSync(p).isFile;
  } catch {
    return false;
  }
});
const ignore = kubectlPath === undefined;
if (ignore) console.log("kube_api_test: kubectl is not installed (scripts/setup.sh installs it)");
const MANIFEST = new URL("../../../scripts/deploy/kube-flannel.yml", import.meta.url).pathname;
const P = "flannel.alpha.coreos.com/";

async function withApi(
  fn: (api: KubeApiServer, kubectl: (...a: string[]) => ReturnType<typeof exec>) => Promise<void>,
  opts: Parameters<typeof KubeApiServer.start>[0] = {},
) {
  const api = await KubeApiServer.start(opts);
  const dir = await Deno.makeTempDir({ prefix: "kubectl-" });
  try {
    await api.writeKubeconfig(`${dir}/kubeconfig`);
    const kubectl = (...args: string[]) =>
      exec(kubectlPath!, [
        "--kubeconfig",
        `${dir}/kubeconfig`,
        `--cache-dir=${dir}/cache`,
        ...args,
      ]);
    await fn(api, kubectl);
  } finally {
    await api.close();
    await Deno.remove(dir, { recursive: true });
  }
}

type Node = {
  metadata: { name: string; annotations?: Record<string, string> };
  spec: { podCIDR?: string };
  status: { conditions: { type: string; status: string }[] };
};

Deno.test({ name: "kubectl get nodes -o json lists the nodes", ignore }, async () => {
  await withApi(async (api, kubectl) => {
    api.addNode("n1", { podCIDR: "10.244.1.0/24" });
    api.addNode("n2", {
      podCIDR: "10.244.2.0/24",
      annotations: { [P + "public-ip"]: "198.18.0.2" },
    });
    const r = await kubectl("get", "nodes", "-o", "json");
    assertEquals(r.code, 0, r.stderr);
    const items = JSON.parse(r.stdout).items as Node[];
    assertEquals(items.map((n) => [n.metadata.name, n.spec.podCIDR]), [
      ["n1", "10.244.1.0/24"],
      ["n2", "10.244.2.0/24"],
    ]);
    assertEquals(items[1]!.metadata.annotations, { [P + "public-ip"]: "198.18.0.2" });
  });
});

Deno.test({ name: "kubectl annotate node sets, overwrites and removes", ignore }, async () => {
  await withApi(async (api, kubectl) => {
    api.addNode("n1", { podCIDR: "10.244.1.0/24" });
    const key = P + "public-ip-overwrite";
    assertEquals((await kubectl("annotate", "node", "n1", `${key}=172.18.0.2`)).code, 0);
    const ann = () => (api.node("n1")!.metadata as Node["metadata"]).annotations!;
    assertEquals(ann()[key], "172.18.0.2");
    const again = await kubectl("annotate", "node", "n1", `${key}=172.18.0.3`);
    assertStringIncludes(again.stderr, "already has a value (172.18.0.2)"); // kubectl's own check
    assertEquals(
      (await kubectl("annotate", "--overwrite", "node", "n1", `${key}=172.18.0.3`)).code,
      0,
    );
    assertEquals(ann()[key], "172.18.0.3");
    assertEquals((await kubectl("annotate", "node", "n1", `${key}-`)).code, 0);
    assertEquals(key in ann(), false);
    assert(api.requests.some((l) => l.includes("application/merge-patch+json")));
  });
});

Deno.test(
  { name: "kubectl patch --subresource=status merges conditions by type", ignore },
  async () => {
    await withApi(async (api, kubectl) => {
      api.addNode("n1", { podCIDR: "10.244.1.0/24" });
      const patch = {
        spec: { podCIDR: "10.99.0.0/24" }, // ignored by the status subresource
        status: {
          conditions: [{ type: "NetworkUnavailable", status: "False", reason: "FlannelIsUp" }],
        },
      };
      const r = await kubectl(
        "patch",
        "node",
        "n1",
        "--subresource=status",
        "-p",
        JSON.stringify(patch),
      );
      assertEquals(r.code, 0, r.stderr);
      const n = api.node("n1") as unknown as Node;
      assertEquals(n.status.conditions.map((c) => [c.type, c.status]), [
        ["Ready", "True"],
        ["NetworkUnavailable", "False"],
      ]);
      assertEquals(n.spec.podCIDR, "10.244.1.0/24");
      assert(api.requests.some((l) =>
        l.startsWith("PATCH /api/v1/nodes/n1/status") &&
        l.endsWith("application/strategic-merge-patch+json")
      ));
      // The main resource refuses a podCIDR change, as the real validation does.
      const bad = await kubectl("patch", "node", "n1", "-p", '{"spec":{"podCIDR":"10.99.0.0/24"}}');
      assertEquals(bad.code, 1);
      assertStringIncludes(bad.stderr, "may not change podCIDR");
    });
  },
);

Deno.test({ name: "kubectl get nodes --watch streams the list then events", ignore }, async () => {
  await withApi(async (api, kubectl) => {
    api.addNode("n1", { podCIDR: "10.244.1.0/24" });
    const watching = kubectl(
      "get",
      "nodes",
      "--watch",
      "-o",
      "json",
      "--output-watch-events",
      "--request-timeout=3s",
    );
    await new Promise((r) => setTimeout(r, 1500));
    api.addNode("n2", { podCIDR: "10.244.2.0/24" });
    api.setAnnotations("n2", { [P + "kube-subnet-manager"]: "true" });
    api.deleteNode("n1");
    const r = await watching;
    assertEquals(r.code, 0, r.stderr);
    const events = r.stdout.trim().split(/\n(?=\{"type")/).map((t) => JSON.parse(t));
    assertEquals(events.map((e) => `${e.type} ${e.object.metadata.name}`), [
      "ADDED n1",
      "ADDED n2",
      "MODIFIED n2",
      "DELETED n1",
    ]);
    assert(api.requests.some((l) => /nodes\?resourceVersion=\d+.*watch=true/.test(l)));
  });
});

Deno.test(
  { name: "kubectl apply of kube-flannel.yml: create, server dry run, update", ignore },
  async () => {
    await withApi(async (api, kubectl) => {
      // On a fresh server the namespace does not exist yet, so a server dry run of the
      // namespaced objects fails exactly as on a real API server.
      const fresh = await kubectl("apply", "--dry-run=server", "-f", MANIFEST);
      assertStringIncludes(fresh.stderr, 'namespaces "kube-flannel" not found');
      const created = await kubectl("apply", "-f", MANIFEST);
      assertEquals(created.code, 0, created.stderr);
      assertEquals(created.stdout.trim().split("\n"), [
        "namespace/kube-flannel created",
        "clusterrole.rbac.authorization.k8s.io/flannel created",
        "clusterrolebinding.rbac.authorization.k8s.io/flannel created",
        "serviceaccount/flannel created",
        "configmap/kube-flannel-cfg created",
        "daemonset.apps/kube-flannel-ds created",
      ]);
      const dry = await kubectl("apply", "--dry-run=server", "-f", MANIFEST);
      assertEquals(dry.code, 0, dry.stderr);
      assertEquals(
        dry.stdout.trim().split("\n").every((l) => l.endsWith("unchanged (server dry run)")),
        true,
      );
      const ds = JSON.parse(
        (await kubectl("get", "ds", "-n", "kube-flannel", "kube-flannel-ds", "-o", "json")).stdout,
      );
      const c = ds.spec.template.spec.containers[0];
      assertEquals(c.args, ["--ip-masq", "--kube-subnet-mgr", "--healthz-port=8081"]);
      assertEquals(c.securityContext.capabilities.add, ["NET_ADMIN", "NET_RAW"]);
      assertEquals(ds.spec.template.spec.initContainers[0].args[0], "install-cni");
      const role = JSON.parse(
        (await kubectl("get", "clusterrole", "flannel", "-o", "json")).stdout,
      );
      assertEquals(
        role.rules.map((r: { resources: string[]; verbs: string[] }) => [r.resources, r.verbs]),
        [
          [["pods"], ["get"]],
          [["nodes"], ["get", "list", "watch"]],
          [["nodes/status"], ["patch"]],
        ],
      );
      // A changed manifest: the dry run reports it and changes nothing, apply changes it.
      const dir = await Deno.makeTempDir();
      try {
        const changed = `${dir}/m.yml`;
        await Deno.writeTextFile(
          changed,
          (await Deno.readTextFile(MANIFEST)).replace('"Type": "vxlan"', '"Type": "host-gw"'),
        );
        const dry2 = await kubectl("apply", "--dry-run=server", "-f", changed);
        assertStringIncludes(dry2.stdout, "configmap/kube-flannel-cfg configured (server dry run)");
        const netConf = async () =>
          JSON.parse(
            (await kubectl("get", "cm", "-n", "kube-flannel", "kube-flannel-cfg", "-o", "json"))
              .stdout,
          ).data["net-conf.json"];
        assertStringIncludes(await netConf(), '"vxlan"');
        assertEquals((await kubectl("apply", "-f", changed)).code, 0);
        assertStringIncludes(await netConf(), '"host-gw"');
        assert(
          api.requests.some((l) =>
            l.includes("kube-flannel-cfg?") && l.endsWith("strategic-merge-patch+json")
          ),
        );
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    });
  },
);

Deno.test(
  { name: "kubectl reports the server's 401 and 403 as from a real server", ignore },
  async () => {
    await withApi(async (api, kubectl) => {
      api.deny({ verb: "list", resource: "nodes" });
      const r = await kubectl("get", "nodes");
      assertEquals(r.code, 1);
      assertStringIncludes(
        r.stderr,
        'Error from server (Forbidden): nodes is forbidden: User "system:serviceaccount:kube-flannel:flannel" ' +
          'cannot list resource "nodes" in API group "" at the cluster scope',
      );
      api.allowAll();
      assertEquals((await kubectl("get", "nodes")).code, 0);
      const dir = await Deno.makeTempDir();
      try {
        await api.writeKubeconfig(`${dir}/kc`, { token: "wrong" });
        const bad = await exec(kubectlPath!, ["--kubeconfig", `${dir}/kc`, "get", "nodes"]);
        assertMatch(bad.stderr, /the server has asked for the client to provide credentials/);
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    });
  },
);

Deno.test({ name: "kubectl works over plain HTTP too", ignore }, async () => {
  await withApi(async (api, kubectl) => {
    api.addNode("n1");
    const r = await kubectl("get", "nodes", "-o", "name");
    assertEquals([r.code, r.stdout.trim(), r.stderr], [0, "node/n1", ""]);
    assert(api.url.startsWith("http://"));
  }, { tls: false, token: "" }); // like `kubectl proxy`: client-go sends no token over http
});
