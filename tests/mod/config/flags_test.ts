import { assert, assertEquals, assertThrows } from "../../harness/assert.ts";
import fc from "fast-check";
import { FlagError, parseFlags } from "../../../mod/config/flags.ts";
import { flagEntries } from "../../../mod/config/flag_table.ts";
import { FlannelError } from "../../../mod/errors.ts";

const MARGIN_TEXT = "Invalid subnet-lease-renew-margin option, out of acceptable range";

Deno.test("parseFlags() with nothing gives upstream's defaults", () => {
  const o = parseFlags([], {});
  assertEquals(o.etcdEndpoints, ["http://127.0.0.1:4001", "http://127.0.0.1:2379"]);
  assertEquals(o.subnetFile, "/run/flannel/subnet.env");
  assertEquals(o.subnetLeaseRenewMargin, 60);
  assertEquals(o.iptablesForwardRules, true);
  assertEquals(o.setNodeNetworkUnavailable, true);
  assertEquals(o.iface, []);
  assertEquals([o.publicIP, o.publicIPv6, o.ifaceCanReach], [null, null, null]);
  assertEquals([o.help, o.version, o.kubeSubnetMgr, o.store], [false, false, false, "etcd"]);
  assertEquals([o.verbosity, o.reconcileIntervalSeconds], [0, 10]);
});

Deno.test("parseFlags() accepts Go flag syntax", async (t) => {
  const cases: [string[], (o: ReturnType<typeof parseFlags>) => unknown, unknown][] = [
    [["-iface", "eth1"], (o) => o.iface, ["eth1"]],
    [["--iface", "eth1"], (o) => o.iface, ["eth1"]],
    [["--iface=eth1"], (o) => o.iface, ["eth1"]],
    [["-iface=eth1", "--iface", "10.0.0.1", "-iface=a,b"], (o) => o.iface, [
      "eth1",
      "10.0.0.1",
      "a,b",
    ]],
    [["--iface-regex", "^eth", "--iface-regex=^en"], (o) => o.ifaceRegex, ["^eth", "^en"]],
    [["--ip-masq"], (o) => o.ipMasq, true],
    [["-ip-masq=false"], (o) => o.ipMasq, false],
    [["--iptables-forward-rules=0"], (o) => o.iptablesForwardRules, false],
    [["-v", "2"], (o) => o.verbosity, 2],
    [["-v=2"], (o) => o.verbosity, 2],
    [["--v=3"], (o) => o.verbosity, 3],
    [["--healthz-port=0x1F90"], (o) => o.healthzPort, 8080],
    [["--etcd-endpoints", "http://a:2379,http://b:2379"], (o) => o.etcdEndpoints, [
      "http://a:2379",
      "http://b:2379",
    ]],
    [["--subnet-file="], (o) => o.subnetFile, ""],
    [["--public-ip", "1.2.3.4"], (o) => o.publicIP?.toString(), "1.2.3.4"],
    [["--public-ipv6=fc00::1"], (o) => o.publicIPv6?.toString(), "fc00::1"],
    [["--iface-can-reach=198.18.0.1"], (o) => o.ifaceCanReach?.toString(), "198.18.0.1"],
    [["--etcd-prefix", "--x"], (o) => o.etcdPrefix, "--x"], // a value may start with a dash
    [["--subnet-file=a", "--subnet-file=b"], (o) => o.subnetFile, "b"], // last one wins
    // `--` and the first positional argument end the flags; the rest is ignored.
    [["--ip-masq", "--", "--nonsense"], (o) => o.ipMasq, true],
    [["--ip-masq", "extra", "--nonsense"], (o) => o.ipMasq, true],
    [["-", "--nonsense"], (o) => o.ipMasq, false],
    // A boolean takes no separate value: "false" is a positional argument.
    [["--ip-masq", "false", "--iface=x"], (o) => [o.ipMasq, o.iface], [true, []]],
  ];
  for (const [argv, pick, want] of cases) {
    await t.step(argv.join(" "), () => assertEquals(pick(parseFlags(argv, {})), want));
  }
});

Deno.test("parseFlags() takes FLANNELD_* only for flags not on the command line", () => {
  const env = {
    FLANNELD_IFACE: "eth9,eth8",
    FLANNELD_IP_MASQ: "true",
    FLANNELD_SUBNET_FILE: "/tmp/env.env",
    FLANNELD_ETCD_PREFIX: "",
    FLANNELD_V: "4",
    FLANNELD_PUBLIC_IP: "10.1.2.3",
  };
  const fromEnv = parseFlags([], env);
  assertEquals(fromEnv.iface, ["eth9,eth8"]); // one value, not split
  assertEquals([fromEnv.ipMasq, fromEnv.subnetFile, fromEnv.verbosity], [true, "/tmp/env.env", 4]);
  assertEquals(fromEnv.etcdPrefix, "/coreos.com/network"); // empty value ignored
  assertEquals(fromEnv.publicIP?.toString(), "10.1.2.3");
  const cli = parseFlags(["--iface=eth1", "--iface=eth2", "--ip-masq=false", "-v", "1"], env);
  assertEquals([cli.iface, cli.ipMasq, cli.verbosity], [["eth1", "eth2"], false, 1]);
  assertEquals(cli.subnetFile, "/tmp/env.env");
});

Deno.test("parseFlags() refuses an invalid environment value, naming the variable", () => {
  const e = assertThrows(
    () => parseFlags([], { FLANNELD_HEALTHZ_PORT: "abc" }),
    FlagError,
    'Invalid value "abc" for FLANNELD_HEALTHZ_PORT (flag -healthz-port): not an integer',
  );
  assertEquals([e.flag, e.code], ["FLANNELD_HEALTHZ_PORT", "EFLAG"]);
  assert(e instanceof FlannelError);
  assertThrows(() => parseFlags([], { FLANNELD_IP_MASQ: "yes" }), FlagError, "FLANNELD_IP_MASQ");
  // The same variable is harmless when the command line gives the flag.
  assertEquals(parseFlags(["--healthz-port=1"], { FLANNELD_HEALTHZ_PORT: "abc" }).healthzPort, 1);
});

Deno.test("parseFlags() reports bad command lines with the flag and the value", async (t) => {
  const cases: [string[], string, string][] = [
    [["--nope"], "-nope", 'Unknown flag "-nope"'],
    [["--nope=1"], "-nope", 'Unknown flag "-nope"'],
    [["--iface"], "-iface", "Flag -iface needs a value"],
    [["---iface"], "---iface", 'Bad flag syntax "---iface"'],
    [["-=x"], "-=x", 'Bad flag syntax "-=x"'],
    [["--ip-masq=maybe"], "-ip-masq", 'Invalid value "maybe" for flag -ip-masq'],
    [["-v", "high"], "-v", 'Invalid value "high" for flag -v: not an integer'],
    [["--healthz-port=70000"], "-healthz-port", "must be at most 65535"],
    [["--iptables-resync=0"], "-iptables-resync", "must be at least 1"],
    [["--reconcile-interval=-1"], "-reconcile-interval", "must be at least 1"],
    [["--iptables-resync=9223372037"], "-iptables-resync", "must be at most 9223372036"],
    [["--reconcile-interval=0x7fffffffffff"], "-reconcile-interval", "must be at most 9223372036"],
    [["--public-ip=fc00::1"], "-public-ip", "not an IPv4 address"],
    [["--public-ipv6=1.2.3.4"], "-public-ipv6", "not an IPv6 address"],
    [["--iface-can-reach=eth0"], "-iface-can-reach", "not an IP address"],
    [["--iface-regex=(eth"], "-iface-regex", "not a valid regular expression"],
    [["--store=consul"], "-store", 'must be one of "etcd", "kube", "local"'],
    [["--vmodule=x"], "-vmodule", "filename=N"],
  ];
  for (const [argv, flag, text] of cases) {
    await t.step(argv.join(" "), () => {
      assertEquals(assertThrows(() => parseFlags(argv, {}), FlagError, text).flag, flag);
    });
  }
});

Deno.test("parseFlags() accepts periods beyond setTimeout's 24.8 days, up to Go's Duration", () => {
  const o = parseFlags(["--iptables-resync=2147484", "--reconcile-interval=9223372036"], {});
  assertEquals([o.iptablesResyncSeconds, o.reconcileIntervalSeconds], [2_147_484, 9_223_372_036]);
  const e = assertThrows(
    () => parseFlags([], { FLANNELD_IPTABLES_RESYNC: "9223372037" }),
    FlagError,
    "must be at most 9223372036",
  );
  assertEquals(e.flag, "FLANNELD_IPTABLES_RESYNC");
});

Deno.test("parseFlags() never puts a secret into an error message", () => {
  const e = assertThrows(() => parseFlags(["--etcd-pasword=hunter2"], {}), FlagError);
  assert(!e.message.includes("hunter2"), e.message);
});

Deno.test("parseFlags() refuses a renew margin outside 1..1439 from flag or env", async (t) => {
  for (const m of ["0", "-5", "1440", "99999"]) {
    await t.step(`flag ${m}`, () => {
      const e = assertThrows(() => parseFlags([`--subnet-lease-renew-margin=${m}`], {}), FlagError);
      assert(e.message.startsWith(MARGIN_TEXT), e.message);
      assertEquals(e.flag, "-subnet-lease-renew-margin");
    });
    await t.step(`env ${m}`, () => {
      const env = { FLANNELD_SUBNET_LEASE_RENEW_MARGIN: m };
      const e = assertThrows(() => parseFlags([], env), FlagError, MARGIN_TEXT);
      assertEquals(e.flag, "FLANNELD_SUBNET_LEASE_RENEW_MARGIN");
    });
  }
  assertEquals(parseFlags(["--subnet-lease-renew-margin=1"], {}).subnetLeaseRenewMargin, 1);
  assertEquals(
    parseFlags([], { FLANNELD_SUBNET_LEASE_RENEW_MARGIN: "1439" }).subnetLeaseRenewMargin,
    1439,
  );
});

Deno.test("parseFlags() reports help and version before reading the environment", () => {
  const bad = { FLANNELD_HEALTHZ_PORT: "abc", FLANNELD_SUBNET_LEASE_RENEW_MARGIN: "0" };
  for (const h of ["-h", "--help", "-help", "--h=1"]) {
    assertEquals(parseFlags([h, "--nope"], bad).help, true);
  }
  assertThrows(() => parseFlags(["--nope", "-h"], {}), FlagError, "-nope"); // Go stops at the first error
  const v = parseFlags(["--version", "--subnet-lease-renew-margin=0"], bad);
  assertEquals([v.version, v.help, v.healthzPort], [true, false, 0]);
  assertEquals(parseFlags([], { FLANNELD_VERSION: "true" }).version, false);
  assertEquals(parseFlags([], { FLANNELD_VERSION: "garbage" }).version, false);
});

Deno.test("parseFlags() resolves the store: --kube-subnet-mgr implies kube", () => {
  const store = (argv: string[], env = {}) => {
    const o = parseFlags(argv, env);
    return [o.store, o.kubeSubnetMgr];
  };
  assertEquals(store([]), ["etcd", false]);
  assertEquals(store(["--store=local"]), ["local", false]);
  assertEquals(store(["--kube-subnet-mgr"]), ["kube", true]);
  assertEquals(store([], { FLANNELD_KUBE_SUBNET_MGR: "true" }), ["kube", true]);
  assertEquals(store(["--store=kube"]), ["kube", true]);
  assertEquals(store(["--kube-subnet-mgr", "--store=kube"]), ["kube", true]);
  assertEquals(store(["--store", "local"], { FLANNELD_STORE: "kube" }), ["local", false]);
  assertThrows(() => store(["--kube-subnet-mgr", "--store=local"]), FlagError, "contradicts");
  assertThrows(
    () => store(["--kube-subnet-mgr"], { FLANNELD_STORE: "etcd" }),
    FlagError,
    "contradicts",
  );
});

Deno.test("parseFlags() returns a frozen object with frozen lists", () => {
  const o = parseFlags(["--iface=a"], {});
  assert(Object.isFrozen(o) && Object.isFrozen(o.iface) && Object.isFrozen(o.etcdEndpoints));
});

const flagNames = flagEntries().map(([, d]) => d.name);
const argText = fc.oneof(
  fc.string(),
  fc.constantFrom(...flagNames, "h", "help", "nope").chain((n) =>
    fc.tuple(fc.constantFrom("-", "--", "---"), fc.option(fc.string(), { nil: undefined }))
      .map(([dash, value]) => value === undefined ? `${dash}${n}` : `${dash}${n}=${value}`)
  ),
);

Deno.test("parseFlags() on random argv and env returns Options or throws FlagError", () => {
  const envArb = fc.dictionary(
    fc.constantFrom(...flagNames.map((n) => `FLANNELD_${n.toUpperCase().replace(/-/g, "_")}`)),
    fc.oneof(fc.string(), fc.constantFrom("1", "true", "0", "1.2.3.4", "fc00::1", "kube")),
  );
  fc.assert(
    fc.property(fc.array(argText, { maxLength: 8 }), envArb, (argv, env) => {
      try {
        const o = parseFlags(argv, env);
        assert(Object.isFrozen(o));
      } catch (err) {
        if (!(err instanceof FlagError)) throw err;
      }
    }),
    { numRuns: 1000 },
  );
});
