/**
 * `CNI_ARGS` (`K1=V1;K2=V2`) parsed like the Go library's `types.LoadArgs`: every pair needs
 * exactly one `=`; keys are matched case-sensitively against the fields a plugin knows;
 * unknown keys are an error unless `IgnoreUnknown` is true (`1`/`true`, any case).
 */

/** Parses `text` for the given known keys (besides `IgnoreUnknown`); throws Go's messages. */
export function loadArgs(text: string, known: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  if (text === "") return out;
  const unknown: string[] = [];
  let ignoreUnknown = false;
  for (const pair of text.split(";")) {
    const kv = pair.split("=");
    if (kv.length !== 2) throw new Error(`ARGS: invalid pair "${pair}"`);
    const [key, value] = kv as [string, string];
    if (key === "IgnoreUnknown") {
      const v = value.toLowerCase();
      if (v !== "1" && v !== "true" && v !== "0" && v !== "false") {
        throw new Error(
          `ARGS: error parsing value of pair "${pair}": boolean unmarshal error: invalid input ${v})`,
        );
      }
      ignoreUnknown = v === "1" || v === "true";
    } else if (known.includes(key)) out.set(key, value);
    else unknown.push(pair);
  }
  if (unknown.length > 0 && !ignoreUnknown) {
    throw new Error(`ARGS: unknown args [${unknown.map((u) => `"${u}"`).join(" ")}]`);
  }
  return out;
}
