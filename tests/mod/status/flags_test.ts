import { assertEquals, assertStringIncludes, assertThrows } from "../../harness/assert.ts";
import { FlagError } from "../../../mod/config/flags.ts";
import { parseStatusFlags, statusUsage } from "../../../mod/status/flags.ts";

const DEFAULTS = {
  subnetFile: "/run/flannel/subnet.env",
  healthzIP: "0.0.0.0",
  healthzPort: 0,
  json: false,
  timeoutMs: 1000,
  help: false,
};

Deno.test("parseStatusFlags() defaults are the agent's", () => {
  assertEquals(parseStatusFlags([], {}), DEFAULTS);
});

Deno.test("parseStatusFlags() takes Go flag syntax", async (t) => {
  const cases: [string[], Partial<typeof DEFAULTS>][] = [
    [["--subnet-file", "/tmp/s.env"], { subnetFile: "/tmp/s.env" }],
    [["-subnet-file=/tmp/s.env"], { subnetFile: "/tmp/s.env" }],
    [["--healthz-port=10256", "-healthz-ip", "10.0.0.1"], {
      healthzPort: 10256,
      healthzIP: "10.0.0.1",
    }],
    [["--json"], { json: true }],
    [["-json=false"], { json: false }],
    [["-o", "json"], { json: true }],
    [["--output=json"], { json: true }],
    [["-o", "text"], { json: false }],
    [["--timeout", "250"], { timeoutMs: 250 }],
    [["--json", "--", "--healthz-port=abc"], { json: true }],
    [["--json", "extra", "--healthz-port=abc"], { json: true }],
  ];
  for (const [argv, want] of cases) {
    await t.step(argv.join(" "), () => {
      assertEquals(parseStatusFlags(argv, {}), { ...DEFAULTS, ...want });
    });
  }
});

Deno.test("parseStatusFlags() reads the agent's FLANNELD_* variables for flags not given", () => {
  const env = {
    FLANNELD_SUBNET_FILE: "/e/subnet.env",
    FLANNELD_HEALTHZ_PORT: "8081",
    FLANNELD_HEALTHZ_IP: "",
    FLANNELD_JSON: "true",
    FLANNELD_TIMEOUT: "x",
  };
  assertEquals(parseStatusFlags([], env), {
    ...DEFAULTS,
    subnetFile: "/e/subnet.env",
    healthzPort: 8081,
  });
  assertEquals(parseStatusFlags(["--healthz-port", "9000"], env).healthzPort, 9000);
});

Deno.test("parseStatusFlags() refuses bad flags with a FlagError naming them", async (t) => {
  const cases: [string[], Record<string, string>, string, string][] = [
    [["--healthz-port", "abc"], {}, "-healthz-port", 'Invalid value "abc" for flag -healthz-port'],
    [["--healthz-port=70000"], {}, "-healthz-port", "must be at most 65535"],
    [[], { FLANNELD_HEALTHZ_PORT: "x" }, "FLANNELD_HEALTHZ_PORT", "FLANNELD_HEALTHZ_PORT (flag"],
    [["-o", "yaml"], {}, "-o", 'must be one of "text", "json"'],
    [["--timeout", "0"], {}, "-timeout", "must be at least 1"],
    [["--jsno"], {}, "-jsno", 'Unknown flag "-jsno"'],
    [["--subnet-file"], {}, "-subnet-file", "Flag -subnet-file needs a value"],
    [["---json"], {}, "---json", 'Bad flag syntax "---json"'],
    [["--json=maybe"], {}, "-json", "not a boolean"],
  ];
  for (const [argv, env, flag, text] of cases) {
    await t.step(argv.join(" ") || JSON.stringify(env), () => {
      const err = assertThrows(() => parseStatusFlags(argv, env), FlagError, text);
      assertEquals([err.flag, err.code], [flag, "EFLAG"]);
    });
  }
});

Deno.test("parseStatusFlags() stops at -h before reading the environment", () => {
  assertEquals(parseStatusFlags(["-h", "--bogus"], { FLANNELD_HEALTHZ_PORT: "x" }).help, true);
  assertEquals(parseStatusFlags(["--json", "--help"], {}).help, true);
});

Deno.test("statusUsage() lists every flag with default and variable", () => {
  const text = statusUsage("flanneld");
  for (
    const part of [
      "Usage: flanneld status [OPTION]...",
      '(default "/run/flannel/subnet.env"; env FLANNELD_SUBNET_FILE)',
      "(default 0; env FLANNELD_HEALTHZ_PORT)",
      '(default "0.0.0.0"; env FLANNELD_HEALTHZ_IP)',
      "  -json\n",
      "  -o, -output string",
      "  -timeout int",
      "  -h, -help",
      "Exit status: 0 healthy, 1",
    ]
  ) assertStringIncludes(text, part);
});
