// The connected clients by client id, read from the sessions: a connected client is the
// live connection of its session (session.conn, state "connected"), so no table of its own
// is kept beside core.sessions (one table entry less per idle connection, ~57 B). Only the
// count is kept; connected()/gone() keep it as core.connected and Connection.teardown say.
import type { Connection } from "./connection.ts";
import type { SessionTable } from "./session-table.ts";

export class ConnectedClients {
  private count = 0;

  constructor(private readonly sessions: SessionTable) {}

  /** the connected client with this id */
  get(clientId: string): Connection | undefined {
    const c = this.sessions.get(clientId)?.conn;
    return c?.isConnected() ? c : undefined;
  }

  get size(): number {
    return this.count;
  }

  *values(): IterableIterator<Connection> {
    for (const s of this.sessions.values()) {
      const c = s.conn;
      if (c?.isConnected()) yield c;
    }
  }

  /** one more is connected (its session's conn, state "connected") */
  connected(): void {
    this.count++;
  }

  /** a connected one went */
  gone(): void {
    this.count--;
  }
}
