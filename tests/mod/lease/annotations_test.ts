import { assertEquals, assertThrows } from "../../harness/assert.ts";
import fc from "fast-check";
import {
  annotationNames,
  AnnotationPrefixError,
  encodeBackendData,
  goJSON,
  macFromBackendData,
  normalizeAnnotationPrefix,
} from "../../../mod/lease/annotations.ts";

Deno.test("annotationNames() follows upstream's prefix vectors (annotations_test.go)", async (t) => {
  const ok: [string, string][] = [
    ["flannel.alpha.coreos.com", "flannel.alpha.coreos.com/backend-type"],
    ["flannel.alpha.coreos.com/", "flannel.alpha.coreos.com/backend-type"],
    ["flannel.alpha.coreos.com/prefix", "flannel.alpha.coreos.com/prefix-backend-type"],
    ["flannel.alpha.coreos.com/prefix-", "flannel.alpha.coreos.com/prefix-backend-type"],
    ["org.com", "org.com/backend-type"],
    ["org9.com", "org9.com/backend-type"],
    ["org.com/9", "org.com/9-backend-type"],
  ];
  for (const [prefix, key] of ok) {
    await t.step(prefix, () => assertEquals(annotationNames(prefix).backendType, key));
  }
  for (const bad of ["org", "org/", "org/prefix", "org.COM", "org.com/PREFIX"]) {
    await t.step(`${bad} is refused`, () => {
      assertThrows(
        () => annotationNames(bad),
        AnnotationPrefixError,
        "subnet/kube: prefix must be in a format: fqdn/[0-9a-z-_]*",
      );
    });
  }
  await t.step("two slashes", () => {
    assertThrows(
      () => normalizeAnnotationPrefix("a.b/c/d"),
      AnnotationPrefixError,
      "subnet/kube: prefix can contain at most single slash",
    );
  });
});

Deno.test("annotationNames() gives every upstream name for the default prefix", () => {
  const n = annotationNames();
  const p = "flannel.alpha.coreos.com/";
  assertEquals(n, {
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
  });
});

Deno.test("encodeBackendData() writes upstream's bytes", () => {
  assertEquals(
    encodeBackendData({ VNI: 1, VtepMAC: "12:c6:65:89:b4:e3" }),
    '{"VNI":1,"VtepMAC":"12:c6:65:89:b4:e3"}',
  );
  assertEquals(encodeBackendData(undefined), "null");
  // Go's encoder escapes HTML-significant characters and the JS line separators.
  assertEquals(goJSON({ a: "<&>\u2028" }), '{"a":"\\u003c\\u0026\\u003e\\u2028"}');
});

Deno.test("macFromBackendData() applies upstream's trim-and-split rule", async (t) => {
  const cases: [string | undefined, string | null][] = [
    ['{"VNI":1,"VtepMAC":"12:c6:65:89:b4:e3"}', "12:c6:65:89:b4:e3"],
    ['{"VtepMAC":"AA:BB:CC:DD:EE:FF","VNI":1}', null], // MAC not last: split gives 2 parts, not a MAC
    ['{"VNI":1,"VtepMAC":"12:c6:65:89:b4:e3","X":"y"}', null], // three parts
    ["null", null],
    ["", null],
    [undefined, null],
    ['{"VNI":1,"VtepMAC":"zz:c6:65:89:b4:e3"}', null],
  ];
  for (const [value, mac] of cases) {
    await t.step(String(value), () => assertEquals(macFromBackendData(value), mac));
  }
});

Deno.test("property: prefix normalisation never crashes and its names stay valid", () => {
  fc.assert(fc.property(fc.string(), (s) => {
    try {
      const n = annotationNames(s);
      return n.backendType.startsWith(n.prefix) && n.prefix.split("/").length === 2;
    } catch (err) {
      return err instanceof AnnotationPrefixError;
    }
  }));
});
