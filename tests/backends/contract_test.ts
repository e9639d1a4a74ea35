/**
 * The backend contract, checked for every registered backend: parseConfig accepts its empty
 * options, prepare is idempotent, desiredState is pure (same leases → same entries, inputs
 * untouched, own-type leases only), its entries stay inside the devices and networks the
 * reconciler is told to own (named as `flanneld status` finds them), and its `check` passes good leases and refuses a bare one.
 */
import { assert, assertEquals } from "../harness/assert.ts";
import { FakeKernel } from "../harness/fake_kernel.ts";
import { lease } from "../harness/leases.ts";
import { BACKENDS } from "../../backends/mod.ts";
import { loadNetworkConfig } from "../../mod/config/net_conf.ts";
import { parseCIDR, parseIP } from "../../mod/ip/mod.ts";
import { silentLogger } from "../../mod/log.ts";
import { isOwned, RTPROT_FLANNEL } from "../../mod/reconcile/diff.ts";
import { entryKey } from "../../mod/reconcile/entries.ts";
import { isOwnedDevice } from "../../mod/reconcile/ownership.ts";

const config = loadNetworkConfig(
  `{"Network":"10.244.0.0/16","EnableIPv6":true,"IPv6Network":"fd00:10::/48"}`,
);
const iface = {
  name: "eth0",
  index: 2,
  mtu: 1500,
  addr4: parseIP("198.18.0.1"),
  addr6: parseIP("2001:db8::1"),
  extAddr4: parseIP("198.18.0.1"),
  extAddr6: parseIP("2001:db8::1"),
  onLink: [parseCIDR("198.18.0.0/24"), parseCIDR("2001:db8::/64")],
};
const hints = { macV4: null, macV6: null, publicIP: null, publicIPv6: null };
const own = lease({ subnet: "10.244.1.0/24", ipv6Subnet: "fd00:10:0:1::/64" });

function peers(type: string) {
  return [2, 3].map((i) =>
    lease({
      subnet: `10.244.${i}.0/24`,
      ipv6Subnet: `fd00:10:0:${i}::/64`,
      publicIP: `198.18.0.${i}`,
      publicIPv6: `2001:db8::${i}`,
      backendType: type,
      backendData: { VNI: 1, VtepMAC: `aa:00:00:00:00:0${i}` },
      backendV6Data: { VNI: 1, VtepMAC: `aa:00:00:00:06:0${i}` },
    })
  );
}

for (const [type, factory] of Object.entries(BACKENDS)) {
  Deno.test(`backend contract: ${type}`, async () => {
    const kernel = new FakeKernel();
    const backend = factory.create(factory.parseConfig({ Type: type }), {
      devices: kernel,
      randomBytes: (n) => new Uint8Array(n).fill(3),
    });
    assertEquals(backend.type, type);
    const env = { config, iface, hints, logger: silentLogger, lease: own };
    const first = await backend.prepare(env);
    const links = JSON.stringify([...kernel.links.values()]);
    const again = await backend.prepare(env);
    assertEquals(JSON.stringify([...kernel.links.values()]), links, "prepare is idempotent");
    assertEquals(again.attrs, first.attrs);
    assertEquals(first.attrs.backendType, type);
    const input = peers(type);
    const snapshot = JSON.stringify(input);
    const a = first.desiredState(input);
    assertEquals(first.desiredState(input), a, "pure: same input, same output");
    assertEquals(JSON.stringify(input), snapshot, "inputs untouched");
    assert(a.length > 0);
    assertEquals(first.desiredState(peers("other")), [], "other types are not planned");
    const union = [...first.desiredState([input[0]!]), ...first.desiredState([input[1]!])];
    assertEquals(
      union.map(entryKey).sort(),
      a.map(entryKey).sort(),
      "planning lease by lease gives the same state",
    );
    for (const d of first.devices) {
      assert(isOwnedDevice(d), `device "${d}" is named as flanneld status expects`);
    }
    const scope = {
      devices: first.devices,
      networks: [config.network!, config.ipv6Network!],
      protocol: RTPROT_FLANNEL,
    };
    for (const e of a) {
      assert(isOwned({ entry: e, protocol: RTPROT_FLANNEL, permanent: true }, scope), entryKey(e));
    }
    assert(first.check !== undefined, "every backend checks the leases it plans");
    for (const l of input) assertEquals(first.check(l), null, "good leases pass the check");
    const bare = { ...input[0]!, attrs: { backendType: type, publicIP: null, publicIPv6: null } };
    assert(first.check(bare) !== null, "a lease without public addresses is refused");
  });
}
