// Channel topics: Mainflux/Magistrala's `channels/<id>/messages[/<subtopic>...]` and
// SuperMQ's `m/<domain route or id>/c/<id>[/<subtopic>...]`, parsed ONCE per message: the
// broker asks about one topic several times in a row (publish check, onPublish, then every
// subscriber's delivery check), so the last topic's parse is kept and handed out again
// while the same topic string comes back, and recent topics' parses in a bounded map (many
// channels or domains interleave, and a message goes out under two spellings).
const PREFIX = "channels/";
const SUPERMQ = "m/";

export interface ChannelTopic {
  channelId: string;
  /** "" or "room1/temp" */
  subtopic: string;
  /** SuperMQ's form: the domain as the topic names it (route or id); the channel must live there */
  domain?: string;
}

/** a channel topic -> its parts; undefined for any other topic */
export function parseChannelTopic(topic: string): ChannelTopic | undefined {
  if (!topic.startsWith(PREFIX) && !topic.startsWith(SUPERMQ)) return undefined;
  if (topic === lastTopic) return lastParsed;
  let p = recent.get(topic);
  if (p === undefined) {
    p = (topic.startsWith(SUPERMQ) ? parseSupermq(topic) : parse(topic)) ?? null;
    if (recent.size >= 4096) recent = new Map();
    recent.set(topic, p);
  }
  lastTopic = topic;
  lastParsed = p ?? undefined;
  return lastParsed;
}

let lastTopic = "";
let lastParsed: ChannelTopic | undefined;
let recent = new Map<string, ChannelTopic | null>();

function parse(topic: string): ChannelTopic | undefined {
  const slash = topic.indexOf("/", PREFIX.length);
  if (slash < 0) return undefined;
  const rest = topic.slice(slash + 1);
  if (rest !== "messages" && !rest.startsWith("messages/")) return undefined;
  const channelId = topic.slice(PREFIX.length, slash);
  if (channelId === "") return undefined;
  return { channelId, subtopic: rest.slice("messages/".length) };
}

/** `m/<domain>/c/<channel>[/sub...]` */
function parseSupermq(topic: string): ChannelTopic | undefined {
  const [, domain = "", c, channelId = "", ...sub] = topic.split("/");
  if (domain === "" || c !== "c" || channelId === "") return undefined;
  return { channelId, subtopic: sub.join("/"), domain };
}

export const channelTopic = (channelId: string, subtopic: string, domain?: string) =>
  domain !== undefined
    ? `${SUPERMQ}${domain}/c/${channelId}${subtopic === "" ? "" : `/${subtopic}`}`
    : subtopic === ""
      ? `${PREFIX}${channelId}/messages`
      : `${PREFIX}${channelId}/messages/${subtopic}`;
