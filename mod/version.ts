/** This program's version, and the upstream flannel release whose formats it speaks. */
export const VERSION = "v0.1.0";
export const UPSTREAM_VERSION = "v0.28.9";
