import { assert, assertEquals } from "../../harness/assert.ts";
import {
  ConfigNotFoundError,
  decodeLeaseEntry,
  isSkipped,
  LeaseConflictError,
  parseEntryName,
  removedLease,
  StoreUnavailableError,
} from "../../../mod/subnet/store.ts";
import { FlannelError } from "../../../mod/errors.ts";
import { parseCIDR } from "../../../mod/ip/mod.ts";

Deno.test("parseEntryName() accepts only canonical subnet keys", async (t) => {
  const cases: [string, string | null][] = [
    ["10.5.1.0-24", "10.5.1.0/24 null"],
    ["10.12.13.0-24&fd00:12:13::-56", "10.12.13.0/24 fd00:12:13::/56"],
    ["x10.5.1.0-24", null], // upstream's end-anchored regex would take it
    ["010.5.1.0-24", null],
    ["10.5.1.0-024", null],
    ["10.12.13.0-24&fd00:12:13:0::-56", null], // not the compressed form
    ["garbage", null],
    ["", null],
  ];
  for (const [name, want] of cases) {
    await t.step(name || "(empty)", () => {
      const s = parseEntryName(name);
      assertEquals(s === null ? null : `${s.subnet} ${s.ipv6Subnet}`, want);
    });
  }
});

Deno.test("decodeLeaseEntry() gives a lease or a skip reason, never throws", () => {
  const ok = decodeLeaseEntry(
    "10.5.1.0-24",
    '{"PublicIP":"192.168.0.1","BackendType":"vxlan"}',
    null,
  );
  assert(!isSkipped(ok));
  assertEquals([String(ok.subnet), String(ok.attrs.publicIP), ok.expiration], [
    "10.5.1.0/24",
    "192.168.0.1",
    null,
  ]);
  const noTtl = decodeLeaseEntry("10.5.1.0-24", '{"PublicIP":"192.168.0.1"}');
  assert(!isSkipped(noTtl) && !("expiration" in noTtl));
  // FuzzKvToIPLease seeds.
  for (
    const [name, value] of [["10.5.1.0-24", '{"PublicIP":"2001:db8::1"}'], ["not-a-subnet", "{}"], [
      "",
      "",
    ]]
  ) {
    const bad = decodeLeaseEntry(name!, value!);
    assert(isSkipped(bad), name);
    assertEquals(bad.key, name);
  }
});

Deno.test("removedLease() carries only the subnets", () => {
  const s = { subnet: parseCIDR("10.5.1.0/24"), ipv6Subnet: null };
  const l = removedLease(s);
  assertEquals([l.subnet, l.ipv6Subnet, l.attrs.publicIP, l.attrs.backendType], [
    s.subnet,
    null,
    null,
    "",
  ]);
});

Deno.test("store errors are coded FlannelErrors", () => {
  const errs: [FlannelError, string, string][] = [
    [new ConfigNotFoundError("missing"), "ENOCONFIG", "missing"],
    [new LeaseConflictError("10.5.1.0-24"), "ECONFLICT", 'Subnet "10.5.1.0-24" is already leased'],
    [new StoreUnavailableError("down"), "EUNAVAILABLE", "down"],
  ];
  for (const [e, code, msg] of errs) assertEquals([e.code, e.message], [code, msg]);
});
