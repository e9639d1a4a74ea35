/**
 * The CNI plugin face on its own: what an installed `flannel` runs. Unlike main.ts, its
 * module graph holds only the CNI code (checked by a test): no agent, no etcd or Kubernetes
 * clients, no flag tables — Deno builds the whole graph, dynamic imports included, before
 * running anything, so a smaller graph is a faster start.
 *
 * Design notes — the call ends by itself (exit status set, no `Deno.exit()`): Deno writes a
 * module's V8 code cache from its event loop, after the module ran, and a forced exit cuts
 * that write off, so every call compiled the plugin afresh (a zero-byte write to turn the
 * loop once before `Deno.exit()` stored it in only 10 of 15 first calls). Ending by itself
 * costs ≈ 0.4 ms more than a forced exit, and nothing of a CNI call stays pending: its I/O
 * is synchronous and every child process and timer is awaited (BENCHMARKS.md `## CNI`).
 */
import { runCniMode } from "./mod.ts";

if (import.meta.main) Deno.exitCode = await runCniMode();
