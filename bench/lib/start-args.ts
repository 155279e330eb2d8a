// The flags the start micro-benches share: --runs, --settle (seconds), and --neo-cmd with an
// optional --vs (a second build, started alternately with the first).

/** the value after `--name`, or `dflt` */
export const arg = (name: string, dflt: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? (process.argv[i + 1] ?? dflt) : dflt;
};

export function startArgs(): { runs: number; settleMs: number; builds: string[][] } {
  return {
    runs: Number(arg("runs", "3")),
    settleMs: Number(arg("settle", "10")) * 1000,
    builds: [arg("neo-cmd", "dist/neo"), arg("vs", "")].filter(Boolean).map((c) => c.split(" ")),
  };
}
