// The sections of the config file, in the order `neo config check` and `neo config init`
// print them. Adding a section: write schema/<section>.ts exporting a Section (spec, apply,
// format, sample), add its patch fields to patch.ts, its defaults to ../defaults.ts and its
// type to ../types.ts, and list it here; docs/config-reference.md is generated from it.
import { auditSection } from "./audit.ts";
import { authSection } from "./auth.ts";
import { bridgeSection } from "./bridge.ts";
import { coapSection } from "./coap.ts";
import { dataSection } from "./data.ts";
import { grpcSection } from "./grpc.ts";
import { exportSection } from "./export.ts";
import { guardSection } from "./guard.ts";
import { httpSection } from "./http.ts";
import { logSection } from "./log.ts";
import { mqttSection } from "./mqtt.ts";
import { querySection } from "./query.ts";
import type { Section } from "./spec.ts";
import { storageSection } from "./storage.ts";
import { tlsSection } from "./tls.ts";

export const SECTIONS: readonly Section[] = [
  dataSection,
  logSection,
  httpSection,
  querySection,
  mqttSection,
  grpcSection,
  coapSection,
  tlsSection,
  storageSection,
  guardSection,
  auditSection,
  authSection,
  bridgeSection,
  exportSection,
];
