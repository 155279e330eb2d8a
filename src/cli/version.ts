// `neo version`: what build this is, one fact per line (or JSON with --json).
import { command } from "./common.ts";
import { buildInfo, type BuildInfo } from "../lib/build-info.ts";

function formatVersion(info: BuildInfo): string {
  return (
    [
      `version    ${info.version}`,
      `commit     ${info.commit}`,
      `built      ${info.buildDate}`,
      `bun        ${info.bun}`,
      `target     ${info.target}`,
    ].join("\n") + "\n"
  );
}

export default command({
  meta: { name: "version", description: "Print version, commit, build date, Bun version and target" },
  args: {
    json: { type: "boolean", description: "print as one JSON object", default: false },
  },
  run({ args }) {
    const info = buildInfo();
    process.stdout.write(args.json ? JSON.stringify(info) + "\n" : formatVersion(info));
  },
});
