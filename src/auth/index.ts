// auth: who is this (token, client certificate) and may they do this (publish, subscribe).
export { createAuth, type AuthDeps } from "./authenticate.ts";
export { authorizePublish, authorizeSubscribe } from "./authorize.ts";
export type { Auth, AuthFailureReason, AuthOutcome, LiveSession, SessionWatch } from "./types.ts";
