// Plugs the embedded web UI (static files + /web/api/*) into the HTTP server.
// The first start creates the web user `admin` with a random password. Secrets never go
// to the log: the password is written once to <data>/web-admin-password (0600) and the
// log says where; delete the file after the first login or change the password.
import { join } from "node:path";
import { writeFileAtomic } from "../lib/files.ts";
import type { Guard } from "../auth/index.ts";
import type { PeopleStack } from "./people.ts";
import type { Logger } from "../lib/log.ts";
import type { Pki } from "../pki/index.ts";
import type { AuditLog, Channels, Registry } from "../registry/index.ts";
import { ADMIN_PASSWORD_FILE, type ConsoleSource, createWebHandler, patRoutes } from "../web/index.ts";

export async function createWebUi(deps: {
  dataDir: string;
  registry: Registry;
  pki: Pki;
  log: Logger;
  defaultScopes?: () => readonly string[];
  guard: Guard;
  audit: AuditLog;
  console?: ConsoleSource;
  channels?: Channels;
  /** users and their keys, shared with identify() */
  people: PeopleStack;
}) {
  const { users, people } = deps.people;
  const password = await users.ensureAdmin();
  if (password) {
    const file = join(deps.dataDir, ADMIN_PASSWORD_FILE);
    writeFileAtomic(file, password + "\n", 0o600);
    deps.log.info(
      `web UI user "admin" created; its one-time password is in ${file} (change it with: neo shell user passwd admin)`,
    );
  }
  const handler = createWebHandler({
    registry: deps.registry,
    pki: deps.pki,
    users,
    people,
    peopleRoutes: patRoutes({ pats: deps.people.pats, audit: deps.audit }),
    log: deps.log,
    guard: deps.guard,
    ...(deps.defaultScopes ? { defaultScopes: deps.defaultScopes } : {}),
    audit: deps.audit,
    ...(deps.console ? { console: deps.console } : {}),
    ...(deps.channels ? { channels: deps.channels } : {}),
  });
  await handler.load();
  return {
    routes: (req: Request, url: URL, clientIp?: string) => handler(req, url, clientIp),
    close: () => {},
  };
}
