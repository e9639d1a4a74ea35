/**
 * A fake CNI plugin binary for tests (the "~15-line shell fake bridge" of spec/cni.md §6):
 * logs `CNI_COMMAND CNI_CONTAINERID CNI_IFNAME` and its stdin to `$dir/log`, then behaves as
 * `$dir/mode` says: `ok` (print a result on ADD), `fail` (CNI error on stdout, exit 1),
 * `stderr` (text on stderr only, exit 1), `garbage` (unparsable stdout, exit 1).
 */
export async function writeFakePlugin(dir: string, name: string): Promise<string> {
  const path = `${dir}/${name}`;
  await Deno.writeTextFile(
    path,
    `#!/bin/sh
d=$(dirname "$0")
input=$(cat)
printf '%s %s %s %s\\n' "$CNI_COMMAND" "$CNI_CONTAINERID" "$CNI_IFNAME" "$input" >> "$d/log"
mode=$(cat "$d/mode" 2>/dev/null || echo ok)
case "$mode" in
fail) printf '{"code":7,"msg":"fake refused","details":"d"}'; exit 1;;
stderr) echo "went wrong" >&2; exit 3;;
garbage) printf 'not json'; exit 1;;
esac
echo "note on stderr" >&2
[ "$CNI_COMMAND" = ADD ] && printf '{"cniVersion":"0.3.1","interfaces":[{"name":"eth0","sandbox":"%s"}],"ips":[{"version":"4","interface":0,"address":"10.1.17.5/24","gateway":"10.1.17.1"}],"routes":[{"dst":"10.1.0.0/16"}],"dns":{}}' "$CNI_NETNS"
exit 0
`,
    { mode: 0o755 },
  );
  return path;
}

/** Lines the fake plugin logged (`ADD id ifname {json}`). */
export function fakeLog(dir: string): string[] {
  try {
    return Deno.readTextFileSync(`${dir}/log`).split("\n").filter((l) => l !== "");
  } catch {
    return [];
  }
}
