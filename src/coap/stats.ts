// What the CoAP listeners count, read by /metrics and the console when they ask.

export interface CoapStats {
  udpIn: number;
  udpOut: number;
  /** requests handled (duplicates not counted) */
  requests: number;
  /** responses by class: "2", "4", "5" */
  responses: Record<string, number>;
  duplicates: number;
  malformed: number;
  notifications: number;
  notificationsDropped: number;
  retransmissions: number;
  /** observations ended by a Reset */
  observersReset: number;
  /** observations ended because notifications were never acknowledged */
  observersGivenUp: number;
  tcpConnections: number;
  /** requests not handled because too many were in progress (UDP: dropped, the client retransmits; TLS: 5.03) */
  overloaded: number;
  response(code: number): void;
}

export function createCoapStats(): CoapStats {
  return {
    udpIn: 0,
    udpOut: 0,
    requests: 0,
    responses: { "2": 0, "4": 0, "5": 0 },
    duplicates: 0,
    malformed: 0,
    notifications: 0,
    notificationsDropped: 0,
    retransmissions: 0,
    observersReset: 0,
    observersGivenUp: 0,
    tcpConnections: 0,
    overloaded: 0,
    response(code) {
      const cls = String(code >> 5);
      this.responses[cls] = (this.responses[cls] ?? 0) + 1;
    },
  };
}
