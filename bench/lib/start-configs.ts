// The config blocks the start figures use: one subsystem each (bench/micro/start-cost.ts adds
// them one at a time) and every feature at once (run.ts's `start` scenario too). Peers they
// name (PostgreSQL, an upstream broker) are unreachable ports on purpose: the subsystem starts
// and keeps retrying, as on an appliance whose uplink is down.
const TLS = '  Tls {\n    Enabled = true\n    ClientAuth = "optional"\n  }\n';

export const START_BLOCKS: Record<string, string> = {
  // a tls:// listener beside the tcp:// one the probe connects to (%PORT%)
  "MQTT over TLS (Mqtt.Tls)": `Mqtt {\n${TLS}  Listener "tcp" {\n    Address = "tcp://127.0.0.1:%PORT%"\n  }\n  Listener "tls" {\n    Address = "tls://127.0.0.1:0"\n  }\n}\n`,
  "HTTPS (Http.Tls, EST)": `Http {\n${TLS}}\n`,
  "gRPC (Grpc)": `Grpc {\n  Listen = "127.0.0.1:0"\n${TLS}}\n`,
  "CoAP (Coap)": 'Coap {\n  Listen = "127.0.0.1:0"\n}\n',
  "Bridge (upstream down)":
    'Bridge "cloud" {\n  Address = "mqtt://127.0.0.1:9"\n  ClientId = "site-1"\n  Forward = ["sensors/#"]\n}\n',
  "Export (PostgreSQL down)":
    'Export "central" {\n  Postgres = "postgres://neo:neo@127.0.0.1:9/neo"\n  Tables = ["SENSORS"]\n  Gateway = "gw-1"\n}\n',
};

/**
 * MQTT tcp + tls + ws, HTTP + HTTPS (console, EST, /mqtt on both), gRPC, CoAP, a bridge, an
 * export; the gateway's own figures are recorded every 10 s in any start. `%PORT%` is the
 * MQTT tcp port the probe connects to.
 */
export const EVERY_FEATURE = [
  `Mqtt {\n${TLS}  Listener "tcp" {\n    Address = "tcp://127.0.0.1:%PORT%"\n  }\n`,
  '  Listener "tls" {\n    Address = "tls://127.0.0.1:0"\n  }\n  Listener "ws" {\n    Address = "ws://127.0.0.1:0"\n  }\n}\n',
  `Http {\n${TLS}  Listener "http" {\n    Address = "http://127.0.0.1:0"\n  }\n`,
  '  Listener "https" {\n    Address = "https://127.0.0.1:0"\n  }\n}\n',
  ...Object.entries(START_BLOCKS)
    .filter(([k]) => !k.startsWith("MQTT") && !k.startsWith("HTTPS"))
    .map(([, v]) => v),
].join("");
