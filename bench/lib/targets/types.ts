// What a broker under test looks like to the bench runner.
import type { Subprocess } from "bun";

/** One client identity; TLS file fields are paths to PEM files. */
export interface Identity {
  clientId: string;
  username?: string;
  password?: string;
  tls?: { ca: string; cert: string; key: string };
}

export interface Running {
  proc: Subprocess;
  pid: number;
  host: string;
  port: number;
  /** identities for lanes; when `fixedIds` lane i must use ids[i] as is */
  ids: Identity[];
  fixedIds: boolean;
  /** neo only: HTTP base URL and bearer token for /db/query */
  http?: { base: string; token: string };
}

export type Mode = "tcp" | "tls";

export interface Target {
  readonly name: string;
  /** human description: binary/version/how it was started */
  describe(): string;
  /** why the mode cannot run, or null if it can */
  unavailable(mode: Mode): string | null;
  /** start a fresh broker process (one per scenario, so figures do not leak into each other) */
  start(mode: Mode, needIds: number): Promise<Running>;
  /** remove temp dirs */
  cleanup(): Promise<void>;
}
