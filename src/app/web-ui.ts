// The operator console: its static files (src/web) and the first start's web user
// `admin` with a random password. Secrets never go to the log: the password is written
// once to <data>/web-admin-password (0600) and the log says where; delete the file after
// the first login or change the password. Its API routes are built in phase-listeners.ts.
import { join } from "node:path";
import { writeFileAtomic } from "../lib/files.ts";
import type { Logger } from "../lib/log.ts";
import { ADMIN_PASSWORD_FILE, type Users } from "../registry/index.ts";
import { createWebAssets, webFilesEmbedded } from "../web/index.ts";

export async function createWebUi(deps: { dataDir: string; users: Users; log: Logger }) {
  const password = await deps.users.ensureAdmin();
  if (password) {
    const file = join(deps.dataDir, ADMIN_PASSWORD_FILE);
    writeFileAtomic(file, password + "\n", 0o600);
    deps.log.info(
      `web UI user "admin" created; its one-time password is in ${file} (change it with: neo shell user passwd admin)`,
    );
  }
  const assets = createWebAssets({ log: deps.log });
  // a source checkout builds or finds them now (a start fails early without them); a binary's
  // embedded files are read and hashed at the first /web request: ~0.4 MB less at idle
  // (bench/RESULTS.md "Session 8: start (startpgo)")
  if (!webFilesEmbedded()) await assets.load();
  return assets;
}
