// The default domain: where everything lives that names no domain (keys, channels, tables,
// topics, PATs and the machbase-neo and Mainflux forms), so nothing changes for them. Its id
// is fixed, so authorize() (pure) and every registry file agree on it without a lookup.
export const DEFAULT_DOMAIN_ID = "00000000-0000-4000-8000-000000000000";
export const DEFAULT_DOMAIN_ROUTE = "default";

/**
 * The domain a channel right is asked in, decided BEFORE anyone is told whether the channel
 * exists: the channel's own domain (a key of another domain never may), or, for a channel that
 * does not exist, the domain the path names (its route resolved to an id; the default domain
 * when the path names none). Every channel door (HTTP, WebSocket, CoAP) asks it this way.
 */
export function channelRightDomain(
  channel: { domainId: string } | undefined,
  pathDomain: string | undefined,
  domainOf: (routeOrId: string) => string | undefined,
): string | undefined {
  return channel?.domainId ?? (pathDomain === undefined ? undefined : (domainOf(pathDomain) ?? pathDomain));
}
