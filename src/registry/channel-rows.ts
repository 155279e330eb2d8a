// A channel's row in registry.db and its shapes: the record, the JSON the CLI and the web API
// show, the id rule and the default table name (channels.ts keeps the store itself).
import { NeoError } from "../lib/errors.ts";
import { assertClientId } from "./token.ts";

const MAX_METADATA = 16 * 1024;

export interface Channel {
  id: string;
  name: string | null;
  metadata: Record<string, unknown>;
  /** the table its SenML records are stored in (upper case) */
  table: string;
  createdAt: number;
  /** the SuperMQ domain it lives in (the default domain unless made in another) */
  domainId: string;
  tags: string[];
  /** disabled: every publish and subscribe is refused (authorize() asks it) */
  status: "enabled" | "disabled";
  updatedAt: number | null;
}

export interface ChannelConnection {
  channelId: string;
  clientId: string;
  publish: boolean;
  subscribe: boolean;
}

/** The default table of a channel: its id upper-cased, `-`, `.` and `@` as `_`; `CH_` first when it starts with a digit. */
export function defaultChannelTable(id: string): string {
  const t = id.toUpperCase().replace(/[-.@]/g, "_");
  return /^[A-Z]/.test(t) ? t : `CH_${t}`;
}

export function assertChannelId(id: string): void {
  try {
    assertClientId(id);
  } catch {
    throw new NeoError(
      "invalid_channel_id",
      `invalid channel id ${JSON.stringify(id)}: use 1-64 of a-z 0-9 _ . @ -, starting with a letter or digit`,
      400,
    );
  }
}

export type Int = number | bigint;
export interface ChannelRow {
  id: string;
  name: string | null;
  metadata: string | null;
  table_name: string;
  created_at: Int;
  domain_id: string;
  tags: string;
  status: string;
  updated_at: Int | null;
}

export function toChannel(r: ChannelRow): Channel {
  let metadata: Record<string, unknown> = {};
  try {
    metadata = r.metadata ? (JSON.parse(r.metadata) as Record<string, unknown>) : {};
  } catch {
    metadata = {};
  }
  return {
    id: r.id,
    name: r.name,
    metadata,
    table: r.table_name,
    createdAt: Number(r.created_at),
    domainId: r.domain_id,
    tags: JSON.parse(r.tags) as string[],
    status: r.status === "disabled" ? "disabled" : "enabled",
    updatedAt: r.updated_at === null ? null : Number(r.updated_at),
  };
}

export function checkMetadata(m: unknown): string {
  if (typeof m !== "object" || m === null || Array.isArray(m))
    throw new NeoError("invalid_metadata", "channel metadata must be a JSON object", 400);
  const text = JSON.stringify(m);
  if (text.length > MAX_METADATA)
    throw new NeoError("invalid_metadata", `channel metadata is larger than ${MAX_METADATA} bytes`, 400);
  return text;
}

/** Channels with their connections, as the CLI's `--format json` and the web API show them. */
export function channelsJson(channels: readonly Channel[], connections: readonly ChannelConnection[]) {
  return channels.map((c) => ({
    id: c.id,
    name: c.name,
    table: c.table,
    metadata: c.metadata,
    tags: c.tags,
    status: c.status,
    createdAt: new Date(c.createdAt).toISOString().replace(/\.\d{3}Z$/, "Z"),
    connections: connections
      .filter((x) => x.channelId === c.id)
      .map((x) => ({ clientId: x.clientId, publish: x.publish, subscribe: x.subscribe })),
  }));
}
