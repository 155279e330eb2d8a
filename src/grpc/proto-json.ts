// A Bun macro (imported `with { type: "macro" }` by protos.ts): machbase-neo's .proto files
// and the google/protobuf types they import, parsed by protobufjs when the code is bundled
// or transpiled, returned as protobufjs's JSON form. The running gateway gets the JSON as a
// literal: it never parses .proto text nor loads protobufjs's parser (bench/RESULTS.md
// "Start: the first CONNACK, idle RSS and Bun's floor"). The .proto files stay the one source.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import protobuf from "protobufjs";

/** The google/protobuf files machbase-neo's protos import (protobufjs ships them). */
const WELL_KNOWN = ["google/protobuf/any.proto", "google/protobuf/wrappers.proto", "google/protobuf/timestamp.proto"];

export function protoJson(): protobuf.INamespace {
  const root = new protobuf.Root();
  for (const file of WELL_KNOWN) {
    const json = protobuf.common.get(file);
    if (json) root.addJSON(json.nested ?? {});
  }
  for (const file of ["machrpc.proto", "mgmt.proto"])
    protobuf.parse(readFileSync(join(import.meta.dir, "proto", file), "utf8"), root, { keepCase: true });
  root.resolveAll();
  return root.toJSON();
}
