/** Where a device's token service lives, and the audience of its tokens (domain.md §5). */

/**
 * `https://management.<device>.<domain>/` -> `https://login.<device>.<domain>/adfs`
 * (domain.md §5); any other endpoint (a simulated device) -> `<endpoint>/adfs`.
 */
export function authorityFor(endpoint: string): string {
  const url = new URL(endpoint);
  if (url.hostname.toLowerCase().startsWith("management.")) {
    return `https://login.${url.hostname.slice("management.".length)}${url.port ? `:${url.port}` : ""}/adfs`;
  }
  return `${endpoint.replace(/\/+$/, "")}/adfs`;
}

/** The token audience: the device's ARM endpoint. */
export function scopeFor(endpoint: string): string {
  return `${endpoint.replace(/\/+$/, "")}/.default`;
}
