// The table bench/bridge.ts prints: one row per bridge, then the ratios.

export interface Row {
  target: string;
  sustained: number;
  /** local broker CPU seconds per wall second during the sustained phase */
  cpu: number;
  /** generator acks/s on a topic no bridge forwards: the broker's own QoS 1 path */
  localAck: number;
  /** the same while the backlog drains after the outage */
  catchupCpu: number;
  genAck: number;
  reconnectS: number;
  catchup: number;
  catchupLost: number;
  lossSent: number;
  lossGot: number;
  rssMb: number;
  rssIdleMb: number;
}

interface Meta {
  command: string;
  load: number[];
  fsync: { median: number; p90: number };
}

export function bridgeReport(rows: Row[], m: Meta): string {
  const f0 = (n: number) => Math.round(n).toLocaleString("en-US");
  const lines = [
    m.command,
    `load average before the run: ${m.load.map((x) => x.toFixed(2)).join(" ")} (2 cores, shared with other developers' work)`,
    `fdatasync of a 4 KB append in the data dir's file system: median ${m.fsync.median.toFixed(1)} ms, p90 ${m.fsync.p90.toFixed(1)} ms`,
    "",
    "| broker (bridge) | sustained msgs/s upstream | broker CPU (s/s) | generator acks/s (not forwarded) | reconnect after outage | catch-up msgs/s | broker CPU (s/s) | catch-up lost | acked before kill -9 | reached upstream | RSS with queued (after 3 s) |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ...rows.map(
      (r) =>
        `| ${r.target} | ${f0(r.sustained)} | ${r.cpu.toFixed(2)} | ${f0(r.genAck)} (${f0(r.localAck)}) | ${r.reconnectS.toFixed(1)} s | ${f0(r.catchup)} | ${r.catchupCpu.toFixed(2)} | ${r.catchupLost} | ${r.lossSent} | ${r.lossGot} (lost ${r.lossSent - r.lossGot}) | ${r.rssMb.toFixed(0)} MB (${r.rssIdleMb.toFixed(0)} MB) |`,
    ),
  ];
  const neo = rows.find((r) => r.target === "neo");
  const mq = rows.find((r) => r.target === "mosquitto");
  if (neo && mq)
    lines.push(
      "",
      `neo / Mosquitto: sustained ${(neo.sustained / mq.sustained).toFixed(2)}x, catch-up ${(neo.catchup / mq.catchup).toFixed(2)}x`,
    );
  if (neo)
    lines.push(
      `neo acks/s forwarded / not forwarded (the bridge's cost on the publish path): ${(neo.genAck / neo.localAck).toFixed(2)}x`,
    );
  return lines.join("\n");
}
