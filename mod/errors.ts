/**
 * The one error base of the project: every error we throw on purpose carries a stable `code`
 * so callers (the CNI boundary, the agent's exit path, tests) can branch on it without
 * matching message text. Domain modules subclass it next to their domain (`NetlinkError` in
 * mod/netlink, `LeaseConflictError` in mod/subnet, ...).
 *
 * Messages: sentence case, quoted values, no trailing period.
 *
 * @example
 * ```ts
 * throw new ConfigError("SubnetLen must be less than /31");
 * ```
 */
export class FlannelError extends Error {
  override name = "FlannelError";
  readonly code: string;
  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}

/** Malformed text handed to a parser: IP, CIDR, JSON, key, flag value. */
export class ParseError extends FlannelError {
  override name = "ParseError";
  constructor(message: string, options?: ErrorOptions) {
    super("EPARSE", message, options);
  }
}

/** A configuration that parses but is not acceptable (net-conf.json, flags, backend options). */
export class ConfigError extends FlannelError {
  override name = "ConfigError";
  constructor(message: string, options?: ErrorOptions) {
    super("ECONFIG", message, options);
  }
}

/** Short text of any thrown value, for log lines. */
export function errorText(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
