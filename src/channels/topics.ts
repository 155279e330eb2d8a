// Channel topics (Mainflux/Magistrala): `channels/<id>/messages[/<subtopic>...]`, parsed
// ONCE per message: the broker asks about one topic several times in a row (publish check,
// onPublish, then every subscriber's delivery check), so the last topic's parse is kept
// and handed out again while the same topic string comes back.
const PREFIX = "channels/";

export interface ChannelTopic {
  channelId: string;
  /** "" or "room1/temp" */
  subtopic: string;
}

/** `channels/<id>/messages[/sub...]` -> its parts; undefined for any other topic */
export function parseChannelTopic(topic: string): ChannelTopic | undefined {
  if (!topic.startsWith(PREFIX)) return undefined;
  if (topic === lastTopic) return lastParsed;
  lastTopic = topic;
  lastParsed = parse(topic);
  return lastParsed;
}

let lastTopic = "";
let lastParsed: ChannelTopic | undefined;

function parse(topic: string): ChannelTopic | undefined {
  const slash = topic.indexOf("/", PREFIX.length);
  if (slash < 0) return undefined;
  const rest = topic.slice(slash + 1);
  if (rest !== "messages" && !rest.startsWith("messages/")) return undefined;
  const channelId = topic.slice(PREFIX.length, slash);
  if (channelId === "") return undefined;
  return { channelId, subtopic: rest.slice("messages/".length) };
}

export const channelTopic = (channelId: string, subtopic: string) =>
  subtopic === "" ? `${PREFIX}${channelId}/messages` : `${PREFIX}${channelId}/messages/${subtopic}`;
