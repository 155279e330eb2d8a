// The CoAP listeners' figures on /metrics: neo_coap_* (none while CoAP is off).
import type { CoapFigures } from "./figures.ts";
import type { MetricsRegistry, Sample } from "./registry.ts";

export function coapGauges(reg: MetricsRegistry, figures: () => CoapFigures | undefined): void {
  const coap = (f: (c: CoapFigures) => number | Sample[]) => (): Sample[] => {
    const c = figures();
    if (!c) return [];
    const v = f(c);
    return typeof v === "number" ? [{ value: v }] : v;
  };
  const counter = (name: string, help: string, f: (c: CoapFigures) => number | Sample[]) =>
    reg.gauge(name, help, coap(f), "counter");
  counter(
    "neo_coap_requests_total",
    "CoAP requests handled (duplicates answered from the dedup table not counted)",
    (c) => c.requests,
  );
  counter("neo_coap_responses_total", "CoAP responses by class (2.xx, 4.xx, 5.xx)", (c) =>
    Object.entries(c.responses).map(([k, value]) => ({ labels: { class: `${k}.xx` }, value })),
  );
  counter("neo_coap_duplicates_total", "CoAP requests seen again within the exchange lifetime", (c) => c.duplicates);
  counter("neo_coap_malformed_total", "CoAP datagrams and frames that could not be read", (c) => c.malformed);
  counter("neo_coap_notifications_total", "Observe notifications sent", (c) => c.notifications);
  counter(
    "neo_coap_notifications_dropped_total",
    "notifications dropped for an observer that does not acknowledge",
    (c) => c.notificationsDropped,
  );
  counter(
    "neo_coap_retransmissions_total",
    "confirmable notifications sent again for want of an ACK",
    (c) => c.retransmissions,
  );
  counter(
    "neo_coap_overloaded_total",
    "CoAP requests not handled because too many were in progress (UDP: dropped, retransmitted; TLS: 5.03)",
    (c) => c.overloaded,
  );
  reg.gauge(
    "neo_coap_observers",
    "CoAP observations now",
    coap((c) => c.observers),
  );
  reg.gauge(
    "neo_coap_tls_connections",
    "CoAP over TLS (coaps+tcp) connections now",
    coap((c) => c.tlsConnections),
  );
  reg.gauge(
    "neo_coap_dedup_entries",
    "message ids remembered for deduplication",
    coap((c) => c.dedupEntries),
  );
  reg.gauge(
    "neo_coap_block_uploads",
    "block-wise uploads being put together",
    coap((c) => c.uploads),
  );
}
