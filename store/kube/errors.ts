/**
 * Errors of the Kubernetes subnet manager. A refusal by RBAC says which verb on which
 * resource was refused and what the ClusterRole must grant, because that is what the
 * operator has to fix; other API errors carry the HTTP status and the server's message.
 */
import { FlannelError } from "../../mod/errors.ts";

/** What scripts/deploy/kube-flannel.yml's ClusterRole grants (spec §3.2.6). */
export const CLUSTER_ROLE_RULES = "pods: get; nodes: get, list, watch; nodes/status: patch";

/** A request the API server answered with an error status, or could not be sent. */
export class KubeApiError extends FlannelError {
  override name = "KubeApiError";
  /** HTTP status; 0 when the server could not be reached. */
  readonly status: number;
  /** The Status `reason` (`NotFound`, `Forbidden`, `Expired`, ...), or "". */
  readonly reason: string;
  readonly verb: string;
  readonly resource: string;

  constructor(
    init: { status: number; reason: string; verb: string; resource: string; message: string },
    options?: ErrorOptions,
  ) {
    super(init.status === 403 ? "EKUBEFORBIDDEN" : "EKUBEAPI", init.message, options);
    this.status = init.status;
    this.reason = init.reason;
    this.verb = init.verb;
    this.resource = init.resource;
  }

  /** 410 Gone: the resourceVersion is too old, list again. */
  get gone(): boolean {
    return this.status === 410;
  }

  /** Worth retrying as is (network, timeouts, 409/429/5xx); not a 4xx that will repeat. */
  get transient(): boolean {
    return this.status === 0 || this.status === 409 || this.status === 429 || this.status >= 500;
  }
}

/** The API server's `Status` object, as far as we read it. */
export interface KubeStatus {
  message?: string;
  reason?: string;
  code?: number;
}

/**
 * The error for `verb` on `resource` (`nodes/status`, `pods`) answered with `status`.
 * 403 → what to grant; others → `<status> <reason>: <message>`.
 */
export function apiError(
  verb: string,
  resource: string,
  status: number,
  body: KubeStatus | null,
): KubeApiError {
  const reason = body?.reason ?? "";
  const said = body?.message ?? "";
  const message = status === 403
    ? `Kubernetes API refused to ${verb} "${resource}" (403 Forbidden)` +
      (said ? `: ${said}` : "") +
      `; the service account needs the flannel ClusterRole (${CLUSTER_ROLE_RULES}) bound to it`
    : `Kubernetes API error on ${verb} "${resource}": ${status}${reason ? " " + reason : ""}` +
      (said ? `: ${said}` : "");
  return new KubeApiError({ status, reason, verb, resource, message });
}

/** The server could not be reached at all. */
export function unreachable(server: string, verb: string, resource: string, cause: unknown) {
  const why = cause instanceof Error
    ? ((cause.cause as Error | undefined)?.message ?? cause.message)
    : String(cause);
  return new KubeApiError(
    {
      status: 0,
      reason: "",
      verb,
      resource,
      message: `Cannot reach the Kubernetes API at ${server} (${verb} "${resource}"): ${why}`,
    },
    { cause },
  );
}
