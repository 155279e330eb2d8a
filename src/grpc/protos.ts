// machbase-neo's .proto files, embedded as text (so `bun build --compile` carries them),
// parsed by protobufjs and handed to @grpc/proto-loader: no generated code to keep in step,
// and the same files are what clients (Python stubs in the tests) are generated from.
import { fromJSON, type Options } from "@grpc/proto-loader";
import { loadPackageDefinition, type ServiceDefinition } from "@grpc/grpc-js";
import protobuf from "protobufjs";
import machrpcText from "./proto/machrpc.proto" with { type: "text" };
import mgmtText from "./proto/mgmt.proto" with { type: "text" };

/** how messages look to handlers: field names as in the .proto, int64 as decimal text */
const LOADER_OPTIONS: Options = {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
};

/** The google/protobuf files machbase-neo's protos import (protobufjs ships them). */
const WELL_KNOWN = ["google/protobuf/any.proto", "google/protobuf/wrappers.proto", "google/protobuf/timestamp.proto"];

function rootOf(...texts: string[]): protobuf.Root {
  const root = new protobuf.Root();
  for (const file of WELL_KNOWN) {
    const json = protobuf.common.get(file);
    if (json) root.addJSON(json.nested ?? {});
  }
  for (const text of texts) protobuf.parse(text, root, { keepCase: true });
  root.resolveAll();
  return root;
}

/** one Root with both files and the well-known types (for Any payloads) */
export const protoRoot: protobuf.Root = rootOf(machrpcText, mgmtText);

interface Services {
  machbase: ServiceDefinition;
  management: ServiceDefinition;
}

export function loadServices(): Services {
  const def = fromJSON(protoRoot.toJSON(), LOADER_OPTIONS);
  const pkg = loadPackageDefinition(def) as unknown as {
    machrpc: { Machbase: { service: ServiceDefinition } };
    mgmt: { Management: { service: ServiceDefinition } };
  };
  const machbase = { ...pkg.machrpc.Machbase.service };
  // the ingest path: AppendData as protobufjs decodes it (~0.5 us a record), without the
  // plain-object copy proto-loader makes (~4 us a record); int64 values stay Long objects
  const AppendData = protoRoot.lookupType("machrpc.AppendData");
  const append = machbase.Append;
  if (append) machbase.Append = { ...append, requestDeserialize: (b: Buffer) => AppendData.decode(b) };
  return { machbase, management: pkg.mgmt.Management.service };
}
