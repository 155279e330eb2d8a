// $SYS/broker/... statistics, published retained every interval.
export interface SysSnapshot {
  connected: number;
  messagesReceived: number;
  messagesSent: number;
  bytesReceived: number;
  bytesSent: number;
  retained: number;
  subscriptions: number;
  sessions: number;
  uptimeSeconds: number;
}

export function sysMessages(s: SysSnapshot, version: string): [topic: string, value: string][] {
  return [
    ["$SYS/broker/version", version],
    ["$SYS/broker/uptime", `${s.uptimeSeconds} seconds`],
    ["$SYS/broker/clients/connected", String(s.connected)],
    ["$SYS/broker/clients/total", String(s.sessions)],
    ["$SYS/broker/messages/received", String(s.messagesReceived)],
    ["$SYS/broker/messages/sent", String(s.messagesSent)],
    ["$SYS/broker/bytes/received", String(s.bytesReceived)],
    ["$SYS/broker/bytes/sent", String(s.bytesSent)],
    ["$SYS/broker/retained messages/count", String(s.retained)],
    ["$SYS/broker/subscriptions/count", String(s.subscriptions)],
  ];
}
