// The built web UI, embedded into a `bun build --compile` binary.
//
// How it works: `with { type: "file" }` makes the bundler copy each file into the
// executable's virtual filesystem and turns the import into its path there
// (e.g. "/$bunfs/root/app-1a2b3c.js"); Bun.file(path) reads it back at run time. Under
// `bun src/main.ts` the same imports are plain absolute paths into ui/dist.
//
// assets.ts imports this module dynamically and only inside a compiled binary, so a
// source checkout never needs ui/dist. The release build (build.ts) must run
// `bun ui/build.ts` first; without ui/dist the compile fails loudly on these imports.
//
// The @ts-ignore lines are there because ui/dist is a build output (git-ignored) that
// may not exist when the type checker runs.

// @ts-ignore: build output
import indexHtml from "../../ui/dist/index.html" with { type: "file" };
// @ts-ignore: build output
import appJs from "../../ui/dist/app.js" with { type: "file" };
// @ts-ignore: build output
import styleCss from "../../ui/dist/style.css" with { type: "file" };

export const embeddedFiles: Record<"index.html" | "app.js" | "style.css", string> = {
  "index.html": String(indexHtml),
  "app.js": String(appJs),
  "style.css": String(styleCss),
};
