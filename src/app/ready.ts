// The ready line (stdout, once every listener runs) and what the console's Overview shows as
// the addresses: every listener by name, read from the running sets (a reload changes them).
import type { NeoConfig } from "../config/index.ts";
import type { HttpServer } from "../http/index.ts";
import type { HttpListenerSet, MqttListenerSet } from "./listener-kinds.ts";

interface ListenerAddress<T> {
  name: string;
  transport: T;
  /** "host:port" */
  address: string;
}

export interface ReadyInfo {
  event: "ready";
  /** the first HTTP listener */
  http: string;
  httpTls: boolean;
  /** every HTTP listener by name (Listener blocks; the one listener is "http" or "https") */
  httpListeners: ListenerAddress<"http" | "https">[];
  /** the first MQTT listener */
  mqtt: string;
  mqttTls: boolean;
  /** every MQTT listener by name (Listener blocks; the one listener is "tcp" or "tls") */
  mqttListeners: ListenerAddress<"tcp" | "tls" | "ws" | "wss">[];
  /** the gRPC listener ("host:port"), when a Grpc block configures one */
  grpc?: string;
  grpcTls?: boolean;
  /** CoAP over UDP, when Coap.Listen is set */
  coap?: string;
  /** CoAP over TLS (coaps+tcp), when Coap.Tls.Listen is set */
  coapsTcp?: string;
  data: string;
  pid: number;
}

/** "127.0.0.1:5654" of a server's URL (IPv6 without brackets, as before) */
function httpAddress(h: HttpServer): string {
  const u = new URL(h.url);
  return `${u.hostname.replace(/^\[|\]$/g, "")}:${u.port}`;
}

export function readyInfo(
  now: NeoConfig,
  mq: MqttListenerSet,
  hs: HttpListenerSet | undefined,
  more: { grpc?: { host: string; port: number; tls: boolean }; coap?: { udp?: string; tls?: string } },
): ReadyInfo {
  const mqttAll = [...mq.running.values()].map((r) => ({
    name: r.rules.name,
    transport: r.listener.transport,
    address: `${r.listener.host}:${r.listener.port}`,
  }));
  const httpAll = [...(hs?.running.values() ?? [])].map((r) => ({
    name: r.rules.name,
    transport: r.rules.transport,
    address: httpAddress(r.listener),
  }));
  const { grpc, coap } = more;
  return {
    event: "ready",
    http: httpAll[0]?.address ?? "-:0",
    httpTls: httpAll[0]?.transport === "https",
    httpListeners: httpAll,
    mqtt: mqttAll[0]?.address ?? "",
    mqttTls: mqttAll[0]?.transport === "tls",
    mqttListeners: mqttAll,
    ...(grpc ? { grpc: `${grpc.host}:${grpc.port}`, grpcTls: grpc.tls } : {}),
    ...(coap?.udp ? { coap: coap.udp } : {}),
    ...(coap?.tls ? { coapsTcp: coap.tls } : {}),
    data: now.data,
    pid: process.pid,
  };
}
