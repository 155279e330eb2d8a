import { describe, expect, test } from "bun:test";
import { channelTopic, parseChannelTopic } from "./topics.ts";

describe("channel topics", () => {
  test("Mainflux's and SuperMQ's forms parse, others do not, whatever order they come in", () => {
    const topics = ["channels/a/messages/x/y", "m/plant/c/line1/room1", "m/plant/c", "db/write/T", "channels/a/other"];
    for (let round = 0; round < 3; round++) {
      expect(topics.map(parseChannelTopic)).toEqual([
        { channelId: "a", subtopic: "x/y" },
        { channelId: "line1", subtopic: "room1", domain: "plant" },
        undefined,
        undefined,
        undefined,
      ]);
    }
  });

  test("a topic made from its parts parses back to them", () => {
    expect(parseChannelTopic(channelTopic("c1", "s", "d1"))).toEqual({ channelId: "c1", subtopic: "s", domain: "d1" });
    expect(parseChannelTopic(channelTopic("c1", ""))).toEqual({ channelId: "c1", subtopic: "" });
  });
});
