// CONNACK refusals an upstream may give, in words for the log.

/** CONNACK reason codes worth naming in a log line (v3.1.1 return codes map to v5 ones). */
export const CONNACK_REASONS = new Map<number, string>([
  [1, "unacceptable protocol version"],
  [2, "client identifier rejected"],
  [3, "server unavailable"],
  [4, "bad user name or password"],
  [5, "not authorized"],
  [0x84, "unsupported protocol version"],
  [0x85, "client identifier not valid"],
  [0x86, "bad user name or password"],
  [0x87, "not authorized"],
  [0x88, "server unavailable"],
  [0x89, "server busy"],
  [0x8a, "banned"],
  [0x8c, "bad authentication method"],
  [0x90, "topic name invalid"],
  [0x95, "packet too large"],
  [0x97, "quota exceeded"],
  [0x9f, "connection rate exceeded"],
]);
