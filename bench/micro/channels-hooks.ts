// What channels add to each MQTT message: `bun bench/micro/channels-hooks.ts [count]`.
// The broker hooks ask the channel module first on every publish and every delivery;
// for a topic that is not a channel's that is one prefix test, for a channel topic a
// cached scope decision. Prints ns per call next to the broker's own cost per message.
import { type CredentialRef, makePrincipal } from "../../src/auth/index.ts";
import { createLogAggregator } from "../../src/lib/log-aggregate.ts";
import { createLogger, setLogLevel } from "../../src/lib/log.ts";
import type { Channel, Channels } from "../../src/registry/index.ts";
import { createChannelMessages, createChannelMqtt } from "../../src/channels/index.ts";
import type { WriteBatcher } from "../../src/app/write-batcher.ts";

setLogLevel("warn");
const n = Number(process.argv[2] ?? 5_000_000);
const channel: Channel = {
  id: "ch-1",
  name: null,
  tags: [],
  status: "enabled",
  updatedAt: null,
  metadata: {},
  table: "CH_1",
  createdAt: 0,
  domainId: "00000000-0000-4000-8000-000000000000",
};
const messages = createChannelMessages({
  channels: { get: () => channel, dataVersion: () => 1 } as unknown as Channels,
  batcher: {} as WriteBatcher,
  principalOf: (ref) =>
    makePrincipal(ref.kind === "client" ? ref.id : "", "client", ["topics:publish:#", "channels:subscribe:ch-1"]),
  log: createLogger("bench"),
});
const hooks = createChannelMqtt({
  messages,
  replyTo() {},
  delivered() {},
  refusals: createLogAggregator(createLogger("bench"), "refused"),
});

function rate(label: string, fn: (i: number) => unknown): void {
  for (let i = 0; i < 100_000; i++) fn(i); // warm up
  const t0 = performance.now();
  let sink = 0;
  for (let i = 0; i < n; i++) if (fn(i)) sink++;
  const ns = ((performance.now() - t0) * 1e6) / n;
  console.log(`${label}: ${ns.toFixed(1)} ns/call${sink < 0 ? "" : ""}`);
}

const owners = Array.from(
  { length: 64 },
  (_, i): CredentialRef => ({ kind: "client", id: `dev-${i}`, form: "token", generation: "" }),
);
rate("publish check, not a channel topic (sensors/room1/temp)", () =>
  hooks.mayPublish(() => owners[1]!, "sensors/room1/temp"),
);
rate("delivery check, not a channel topic", (i) => hooks.mayDeliver(() => owners[i & 63]!, "sensors/room1/temp"));
rate("delivery check, channel topic (cached decision)", (i) =>
  hooks.mayDeliver(() => owners[i & 63]!, "channels/ch-1/messages"),
);
rate("onPublish, not a channel topic", () => hooks.onPublish({} as never, { topic: "sensors/room1/temp" } as never));
