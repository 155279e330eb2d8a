// The default domain: where everything lives that names no domain (keys, channels, tables,
// topics, PATs and the machbase-neo and Mainflux forms), so nothing changes for them. Its id
// is fixed, so authorize() (pure) and every registry file agree on it without a lookup.
export const DEFAULT_DOMAIN_ID = "00000000-0000-4000-8000-000000000000";
export const DEFAULT_DOMAIN_ROUTE = "default";
