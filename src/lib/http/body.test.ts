import { describe, expect, test } from "bun:test";
import type { Logger } from "../log.ts";
import { readBody } from "./body.ts";
import { errorResponse } from "./respond.ts";

function streamed(chunks: Uint8Array[], failAfter?: boolean): Request {
  let i = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(c) {
      const x = chunks[i++];
      if (x) c.enqueue(x);
      else if (failAfter) c.error(new Error("socket closed"));
      else c.close();
    },
  });
  return new Request("http://127.0.0.1/x", { method: "POST", body, duplex: "half" } as RequestInit);
}

describe("readBody", () => {
  test("a chunked body over the limit is refused at the chunk that passes it (413)", async () => {
    const req = streamed([new Uint8Array(600), new Uint8Array(600), new Uint8Array(600)]);
    await expect(readBody(req, 1000)).rejects.toMatchObject({
      status: 413,
      message: "request body exceeds 1000 bytes",
    });
  });

  test("a body the client aborts is a 400 body_aborted, logged at debug with the bytes received", async () => {
    const err = await readBody(streamed([new Uint8Array(300)], true), 1000).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "body_aborted", status: 400, message: "request body aborted after 300 bytes" });
    const lines: string[] = [];
    const log: Logger = {
      debug: (m) => lines.push(`DEBUG ${m}`),
      info() {},
      warn() {},
      error: (m) => lines.push(`ERROR ${m}`),
    };
    expect(errorResponse(err, log, "POST /db/write/T").status).toBe(400);
    expect(lines).toEqual(["DEBUG POST /db/write/T: request body aborted after 300 bytes (client went away)"]);
  });
});
