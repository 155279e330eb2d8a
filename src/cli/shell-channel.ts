// `neo shell channel ...`: Mainflux/Magistrala channels and which clients are connected
// to them. Works on the data dir directly, with or without a running server; a running
// server applies a connect or disconnect to live sessions within a second.
import { auditChange } from "./audit-cli.ts";
import { setLogLevel } from "../lib/log.ts";
import { usageError } from "../lib/errors.ts";
import {
  channelsJson,
  openChannels,
  openRegistry,
  type Channel,
  type ChannelConnection,
  type Channels,
} from "../registry/index.ts";
import { commonArgs, command } from "./common.ts";
import { domainIdArg, jsonObjectArg } from "./shell-args.ts";
import { formatTime, renderBox } from "./shell-key-format.ts";
import { resolveDataDir } from "./shell-key-io.ts";

const out = (s: string) => process.stdout.write(s);
const channelArg = { type: "positional", required: true, description: "channel id" } as const;
const clientArg = { type: "positional", required: true, description: "client id" } as const;

async function withChannels<T>(
  args: { data?: string; config?: string },
  fn: (c: Channels) => T,
  opts: { readOnly?: boolean } = {},
): Promise<T> {
  const data = resolveDataDir(args);
  setLogLevel("warn");
  const registry = openRegistry(data, opts);
  const channels = openChannels(data, registry, opts);
  try {
    return fn(channels);
  } finally {
    channels.close();
    registry.close();
  }
}

const rights = (c: ChannelConnection) =>
  [c.publish ? "publish" : "", c.subscribe ? "subscribe" : ""].filter(Boolean).join(",");

function channelsBox(channels: readonly Channel[], connections: readonly ChannelConnection[]): string {
  const rows = channels.map((c, i) => [
    String(i + 1),
    c.id,
    c.name ?? "-",
    c.table,
    connections
      .filter((x) => x.channelId === c.id)
      .map((x) => `${x.clientId}(${rights(x)})`)
      .join(" ") || "-",
    formatTime(c.createdAt),
  ]);
  return renderBox(
    [
      { title: "ROWNUM", min: 6, right: true },
      { title: "ID", min: 20 },
      { title: "NAME", min: 10 },
      { title: "TABLE", min: 10 },
      { title: "CONNECTED", min: 10 },
      { title: "CREATED", min: 29 },
    ],
    rows,
  );
}

const create = command({
  meta: {
    name: "create",
    description: "Create a channel; its SenML records go to --table (default: the id upper-cased)",
  },
  args: {
    ...commonArgs,
    id: channelArg,
    name: { type: "string", description: "a display name" },
    table: { type: "string", description: "table for its SenML records (default: id upper-cased, - . @ as _)" },
    metadata: { type: "string", description: "metadata as a JSON object" },
    domain: {
      type: "string",
      description: "the SuperMQ domain (id or route) it lives in (default: the default domain)",
    },
  },
  async run({ args }) {
    const metadata = jsonObjectArg(args.metadata, "--metadata");
    const domainId = args.domain === undefined ? undefined : domainIdArg(args, args.domain);
    const c = await withChannels(args, (ch) =>
      ch.create({
        id: args.id,
        name: args.name,
        table: args.table,
        ...(metadata ? { metadata } : {}),
        ...(domainId ? { domainId } : {}),
      }),
    );
    auditChange(args, "channel.create", c.id, { table: c.table });
    out(`created channel ${c.id} (table ${c.table})\n`);
  },
});

const list = command({
  meta: { name: "list", description: "List channels, their tables and connected clients" },
  args: { ...commonArgs, format: { type: "string", description: "box (default) or json" } },
  async run({ args }) {
    const format = args.format ?? "box";
    if (format !== "box" && format !== "json")
      throw usageError(`--format must be box or json, got ${JSON.stringify(format)}`);
    await withChannels(
      args,
      (ch) => {
        const all = ch.list();
        const conns = ch.connections();
        out(format === "json" ? `${JSON.stringify(channelsJson(all, conns), null, 2)}\n` : channelsBox(all, conns));
      },
      { readOnly: true }, // works on a full disk
    );
  },
});

const del = command({
  meta: { name: "del", description: "Delete a channel and disconnect every client from it (stored rows stay)" },
  args: { ...commonArgs, id: channelArg },
  async run({ args }) {
    await withChannels(args, (ch) => ch.delete(args.id));
    auditChange(args, "channel.delete", args.id);
    out("deleted\n");
  },
});

const setStatus = (name: "enable" | "disable", what: string) =>
  command({
    meta: { name, description: what },
    args: { ...commonArgs, id: channelArg },
    async run({ args }) {
      const ch = await withChannels(args, (c) => c.setStatus(args.id, name === "enable" ? "enabled" : "disabled"));
      auditChange(args, `channel.${name}`, ch.id);
      out(`channel ${ch.id} is ${ch.status}\n`);
    },
  });

const connect = command({
  meta: {
    name: "connect",
    description: "Let a client publish to and/or subscribe on a channel (both unless one is given)",
  },
  args: {
    ...commonArgs,
    id: channelArg,
    client: clientArg,
    publish: { type: "boolean", description: "may publish to the channel" },
    subscribe: { type: "boolean", description: "may subscribe on the channel" },
  },
  async run({ args }) {
    const c = await withChannels(args, (ch) =>
      ch.connect(args.id, args.client, { publish: args.publish === true, subscribe: args.subscribe === true }),
    );
    auditChange(args, "channel.connect", c.channelId, { client: c.clientId, rights: rights(c) });
    out(`connected ${c.clientId} to ${c.channelId} (${rights(c)})\n`);
  },
});

const disconnect = command({
  meta: { name: "disconnect", description: "Take a client's rights on a channel away (live sessions within a second)" },
  args: { ...commonArgs, id: channelArg, client: clientArg },
  async run({ args }) {
    const had = await withChannels(args, (ch) => ch.disconnect(args.id, args.client));
    if (had) auditChange(args, "channel.disconnect", args.id, { client: args.client });
    out(had ? "disconnected\n" : `${args.client} was not connected to ${args.id}\n`);
  },
});

export default command({
  meta: { name: "channel", description: "Manage Mainflux-style channels and which clients are connected to them" },
  subCommands: {
    create,
    list,
    del,
    connect,
    disconnect,
    enable: setStatus("enable", "Enable a channel: its connected clients publish and subscribe again"),
    disable: setStatus("disable", "Disable a channel: every publish and subscribe refused (live ones within a second)"),
  },
});
