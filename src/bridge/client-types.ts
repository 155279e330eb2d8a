// The bridge client's contract: how to connect, what it reports and what the bridge can ask of it.
import type { TlsFiles } from "./transport.ts";
import type { IPublishPacket } from "mqtt-packet";

export interface ClientOptions {
  url: string;
  clientId: string;
  protocol: 4 | 5;
  username?: string;
  password?: string;
  tls: TlsFiles;
  keepAlive: number;
  sessionExpiry: number;
  connectTimeoutMs?: number;
}

export interface ConnectInfo {
  sessionPresent: boolean;
  /** how many QoS 1 messages may be unacknowledged at once (v5 Receive Maximum) */
  receiveMaximum: number;
  /** largest packet the server takes (v5), or undefined */
  maximumPacketSize?: number;
}

export interface Incoming {
  topic: string;
  payload: Buffer;
  qos: 0 | 1 | 2;
  retain: boolean;
  properties?: IPublishPacket["properties"];
}

export interface ClientEvents {
  puback(messageId: number, reasonCode: number): void;
  /** an upstream message; its acknowledgement goes out after the returned promise */
  message(m: Incoming): Promise<void> | void;
  closed(reason: string): void;
}

export interface UpstreamClient {
  readonly info: ConnectInfo;
  publish(p: {
    topic: string;
    payload: Buffer;
    qos: 0 | 1;
    retain: boolean;
    messageId?: number;
    dup?: boolean;
    properties?: IPublishPacket["properties"];
  }): void;
  subscribe(filters: { topic: string; qos: 0 | 1 }[]): Promise<number[]>;
  /** bytes written but not yet taken by the socket */
  buffered(): number;
  close(): void;
}
