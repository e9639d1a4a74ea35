/**
 * Kernel parameters the bridge sets, under `/proc/sys`. `/proc/sys/net` shows the network
 * namespace of the thread that opens it, so writes meant for a pod run inside `inNetns`
 * (setns → write → setns back, synchronously) and need synchronous file calls.
 */

/** Writes `value` to `/proc/sys/<key>` unless it already holds it; false when it failed. */
export function setSysctl(key: string, value: string): boolean {
  const path = `/proc/sys/${key}`;
  try {
    if (Deno.readTextFileSync(path).trim() === value) return true;
    Deno.writeTextFileSync(path, value);
    return true;
  } catch {
    return false;
  }
}

/** Sets `/proc/sys/<key>`; throws when it cannot (forwarding must not fail silently). */
export function mustSetSysctl(key: string, value: string): void {
  if (!setSysctl(key, value)) throw new Error(`Cannot set sysctl "${key}" to "${value}"`);
}

/** The forwarding switch of a family (`ip.EnableIP4Forward` / `EnableIP6Forward`). */
export function forwardingKey(family: 4 | 6): string {
  return family === 4 ? "net/ipv4/ip_forward" : "net/ipv6/conf/all/forwarding";
}
