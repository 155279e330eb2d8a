// The single place publish/subscribe permissions are decided; scoped permissions land here later.

/** Anyone may publish anywhere except the broker's own $SYS tree. */
export function authorizePublish(_clientId: string | undefined, topic: string): boolean {
  return !(topic === "$SYS" || topic.startsWith("$SYS/"));
}

/** Any filter may be subscribed to (reading $SYS statistics included). */
export function authorizeSubscribe(_clientId: string | undefined, _topicFilter: string): boolean {
  return true;
}
