// machbase-neo's documented /db/query examples, driven with curl as its docs show them:
// format=csv, ndjson, box, timeformat, tz, compress=gzip, rownum, heading, precision and
// the JSON variants; a large answer streamed, and a cut one that says so; db/query on MQTT.
import { describe, expect, test } from "bun:test";
import { gunzipSync } from "node:zlib";
import { useGateway } from "./fixture.ts";
import { run } from "./harness.ts";

// machbase-neo's tutorial data (data-epoch-1.json), written with timeformat=s
const ROWS = [
  ["wave.sin", 1676432361, 0],
  ["wave.sin", 1676432362, 0.406736],
  ["wave.sin", 1676432363, 0.743144],
  ["wave.sin", 1676432364, 0.951056],
  ["wave.sin", 1676432365, 0.994522],
];

describe("machbase-neo's query formats over curl", () => {
  const gw = useGateway({ config: "Query { MaxRows = 20000 }" });
  const curl = async (...form: string[]) => {
    const args = form.flatMap((f) => ["--data-urlencode", f]);
    const r = await run(["curl", "-s", "-D", "-", "-o", "-", `${gw.srv.httpUrl}/db/query`, ...args]);
    const at = r.stdout.indexOf("\r\n\r\n");
    return { head: r.stdout.slice(0, at).toLowerCase(), body: r.stdout.slice(at + 4) };
  };

  test("the tutorial's rows go in with timeformat=s", async () => {
    const body = JSON.stringify({ data: { columns: ["NAME", "TIME", "VALUE"], rows: ROWS } });
    expect((await gw.write("EXAMPLE", body, "application/json", "?timeformat=s")).status).toBe(200);
  });

  test("format=csv: text/csv, a heading line, then the rows", async () => {
    const r = await curl("q=select * from EXAMPLE limit 2", "format=csv", "timeformat=s");
    expect(r.head).toContain("content-type: text/csv; charset=utf-8");
    expect(r.body).toBe("NAME,TIME,VALUE\nwave.sin,1676432361,0\nwave.sin,1676432362,0.406736\n");
    const bare = await curl("q=select * from EXAMPLE limit 1", "format=csv", "heading=false", "rownum=true");
    expect(bare.body).toBe("1,wave.sin,1676432361000000000,0\n");
  });

  test("format=ndjson: application/x-ndjson, one object a row", async () => {
    const r = await curl("q=select * from EXAMPLE limit 2", "format=ndjson", "timeformat=ms");
    expect(r.head).toContain("content-type: application/x-ndjson");
    expect(r.body).toBe(
      '{"NAME":"wave.sin","TIME":1676432361000,"VALUE":0}\n{"NAME":"wave.sin","TIME":1676432362000,"VALUE":0.406736}\n',
    );
  });

  test("format=box with timeformat=Default and tz: a text table, the zone in the TIME header", async () => {
    const r = await curl(
      "q=select * from EXAMPLE limit 2",
      "format=box",
      "timeformat=Default",
      "tz=Asia/Seoul",
      "precision=3",
    );
    expect(r.head).toContain("content-type: text/plain");
    expect(r.body).toBe(
      [
        "+----------+---------------------+-------+",
        "| NAME     | TIME(Asia/Seoul)    | VALUE |",
        "+----------+---------------------+-------+",
        "| wave.sin | 2023-02-15 12:39:21 | 0.000 |",
        "| wave.sin | 2023-02-15 12:39:22 | 0.407 |",
        "+----------+---------------------+-------+",
        "",
      ].join("\n"),
    );
  });

  test("compress=gzip: Content-Encoding gzip, the same answer inside", async () => {
    // curl --compressed unpacks it; a client that does not gets the gzip bytes and the header
    const viaCompressed = await run([
      "curl",
      "-s",
      "--compressed",
      `${gw.srv.httpUrl}/db/query?format=csv&timeformat=s&compress=gzip&q=${encodeURIComponent("select * from EXAMPLE limit 1")}`,
    ]);
    expect(viaCompressed.stdout).toBe("NAME,TIME,VALUE\nwave.sin,1676432361,0\n");
    const raw = await fetch(
      `${gw.srv.httpUrl}/db/query?format=csv&timeformat=s&compress=gzip&q=${encodeURIComponent("select * from EXAMPLE limit 1")}`,
      { headers: { "accept-encoding": "identity" }, decompress: false } as RequestInit,
    );
    expect(raw.headers.get("content-encoding")).toBe("gzip");
    expect(gunzipSync(Buffer.from(await raw.arrayBuffer())).toString()).toBe(
      "NAME,TIME,VALUE\nwave.sin,1676432361,0\n",
    );
  });

  test("a client that sends Accept-Encoding: gzip gets answers over 1 KiB gzipped, small ones plain", async () => {
    const big = "with recursive c(x) as (select 1 union all select x+1 from c where x < 500) select x from c";
    const head = async (q: string) =>
      (
        await run([
          "curl",
          "-s",
          "--compressed",
          "-D",
          "-",
          "-o",
          "/dev/null",
          `${gw.srv.httpUrl}/db/query`,
          "--data-urlencode",
          `q=${q}`,
        ])
      ).stdout.toLowerCase();
    expect(await head(big)).toContain("content-encoding: gzip");
    expect(await head("select 1")).not.toContain("content-encoding");
  });

  test("format=json: transpose, rowsFlatten and rowsArray give machbase-neo's shapes", async () => {
    const j = async (opt: string) =>
      JSON.parse((await curl("q=select * from EXAMPLE limit 2", "timeformat=s", opt)).body).data;
    expect((await j("transpose=true")).cols).toEqual([
      ["wave.sin", "wave.sin"],
      [1676432361, 1676432362],
      [0, 0.406736],
    ]);
    expect((await j("rowsFlatten=true")).rows).toEqual(["wave.sin", 1676432361, 0, "wave.sin", 1676432362, 0.406736]);
    expect((await j("rowsArray=true")).rows).toEqual([
      { NAME: "wave.sin", TIME: 1676432361, VALUE: 0 },
      { NAME: "wave.sin", TIME: 1676432362, VALUE: 0.406736 },
    ]);
  });

  test("bad options get a 400 with a reason", async () => {
    const r = await run([
      "curl",
      "-s",
      "-w",
      "\n%{http_code}",
      `${gw.srv.httpUrl}/db/query`,
      "--data-urlencode",
      "q=select 1",
      "--data-urlencode",
      "format=xml",
    ]);
    expect(r.stdout).toBe(
      '{"success":false,"reason":"unsupported format \\"xml\\" (use json, csv, box, ndjson)"}\n400',
    );
  });

  test("a large answer streams in pieces, and a cut one says so at its end", async () => {
    const big =
      "with recursive c(x) as (select 1 union all select x+1 from c where x < 50000) select x, 'some text' as t from c";
    const r = await run([
      "curl",
      "-s",
      "-D",
      "-",
      `${gw.srv.httpUrl}/db/query`,
      "--data-urlencode",
      `q=${big}`,
      "--data-urlencode",
      "format=ndjson",
    ]);
    const [head, body] = r.stdout.split("\r\n\r\n") as [string, string];
    expect(head.toLowerCase()).toContain("transfer-encoding: chunked");
    const lines = body.trimEnd().split("\n");
    expect(lines.length).toBe(20001);
    expect(lines[19999]).toBe('{"X":20000,"T":"some text"}');
    expect(JSON.parse(lines[20000] as string)).toEqual({
      truncated: true,
      cut: "rows",
      reason: "success, result cut at 20000 rows (Query.MaxRows)",
    });
    const small = await curl("q=select * from EXAMPLE", "format=csv", "rownum=true");
    expect(small.head).not.toContain("x-neo-truncated");
  });

  test("db/query over MQTT takes the same options (csv, gzip)", async () => {
    const c = await gw.conn();
    try {
      await c.subscribeAsync("db/reply/fmt");
      const got = new Promise<Buffer>((r) => c.once("message", (_t, p) => r(p)));
      await c.publishAsync(
        "db/query",
        JSON.stringify({
          q: "select * from EXAMPLE limit 1",
          format: "csv",
          timeformat: "s",
          compress: "gzip",
          reply: "db/reply/fmt",
        }),
      );
      expect(gunzipSync(await got).toString()).toBe("NAME,TIME,VALUE\nwave.sin,1676432361,0\n");
    } finally {
      await c.endAsync();
    }
  });
});

describe("a streamed answer that runs out of time", () => {
  const gw = useGateway({ config: 'Query {\n  Timeout = "1s"\n  MaxRows = 100000000\n  MaxBytes = 4000000000\n}' });
  test("is broken off, never closed as if whole: curl says the transfer was cut", async () => {
    const endless =
      "with recursive c(x) as (select 1 union all select x+1 from c where x < 1000000000) select x, hex(randomblob(64)) from c";
    const r = await run([
      "curl",
      "-s",
      "-o",
      "/dev/null",
      "-w",
      "%{http_code} %{size_download}",
      `${gw.srv.httpUrl}/db/query`,
      "--data-urlencode",
      `q=${endless}`,
      "--data-urlencode",
      "format=csv",
    ]);
    const [status, size] = r.stdout.split(" ");
    expect(status).toBe("200"); // the stream had started
    expect(Number(size)).toBeGreaterThan(65_536);
    expect(r.code).not.toBe(0); // 18: transfer closed with outstanding read data remaining
  }, 30_000);
});
