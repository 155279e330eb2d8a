// web: the operator console's static files (index.html, app.<hash>.js, style.<hash>.css),
// embedded in the binary or built from ui/ in a source checkout. Its API is HTTP routes
// (src/http/routes/: session, keys, channels, console, audit); the routes that serve these
// files are src/http/routes/console-assets.ts.
export { createWebAssets, webFilesEmbedded } from "./assets.ts";
