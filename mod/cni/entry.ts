/**
 * The CNI plugin face on its own: what an installed `flannel` runs. Unlike main.ts, its
 * module graph holds only the CNI code (checked by a test): no agent, no etcd or Kubernetes
 * clients, no flag tables — Deno builds the whole graph, dynamic imports included, before
 * running anything, so a smaller graph is a faster start.
 */
import { runCniMode } from "./mod.ts";

if (import.meta.main) Deno.exit(await runCniMode());
