// machbase-neo's services for grpc-js, from the .proto files (src/grpc/proto/, the same
// files clients generate stubs from). They are parsed when the code is bundled (the macro
// proto-json.ts); at run time protobufjs's light build makes the types from that JSON, and
// each method gets the serializers @grpc/proto-loader would make, without the descriptor
// protos proto-loader also builds for reflection (which the server never reads): every
// feature on, 3.4 MB less RSS and the ready line ~100 ms sooner (bench/RESULTS.md "Start: the
// first CONNACK, idle RSS and Bun's floor").
import type { MethodDefinition, ServiceDefinition } from "@grpc/grpc-js";
import protobuf from "protobufjs/light";
import { protoJson } from "./proto-json.ts" with { type: "macro" };

/** how messages look to handlers (proto-loader's options): int64 as decimal text, enums by name */
const TO_OBJECT: protobuf.IConversionOptions = { longs: String, enums: String, defaults: true, oneofs: true };

/** one Root with both files and the well-known types (for Any payloads) */
export const protoRoot: protobuf.Root = protobuf.Root.fromJSON(protoJson());
protoRoot.resolveAll();

interface Services {
  machbase: ServiceDefinition;
  management: ServiceDefinition;
}

const serializer = (type: protobuf.Type) => (arg: object) => {
  if (Array.isArray(arg))
    throw new Error(`Failed to serialize message: expected object with ${type.name} structure, got array instead`);
  // protobufjs writes into a Buffer where Buffer exists (as for proto-loader); a view, never a copy
  const out = type.encode(type.fromObject(arg)).finish();
  return Buffer.isBuffer(out) ? out : Buffer.from(out.buffer, out.byteOffset, out.byteLength);
};
const deserializer = (type: protobuf.Type) => (b: Buffer) => type.toObject(type.decode(b), TO_OBJECT);

/** what @grpc/proto-loader's createServiceDefinition makes, less requestType/responseType (reflection) */
function serviceOf(name: string): Record<string, MethodDefinition<object, object>> {
  const service = protoRoot.lookupService(name);
  const def: Record<string, MethodDefinition<object, object>> = {};
  for (const m of service.methodsArray) {
    const req = m.resolvedRequestType as protobuf.Type;
    const res = m.resolvedResponseType as protobuf.Type;
    def[m.name] = {
      path: `/${name}/${m.name}`,
      requestStream: !!m.requestStream,
      responseStream: !!m.responseStream,
      requestSerialize: serializer(req),
      requestDeserialize: deserializer(req),
      responseSerialize: serializer(res),
      responseDeserialize: deserializer(res),
      originalName: m.name.charAt(0).toLowerCase() + m.name.slice(1),
    };
  }
  return def;
}

export function loadServices(): Services {
  const machbase = serviceOf("machrpc.Machbase");
  // the ingest path: AppendData as protobufjs decodes it (~0.5 us a record), without the
  // plain-object copy (~4 us a record); int64 values stay Long objects
  const AppendData = protoRoot.lookupType("machrpc.AppendData");
  const append = machbase.Append;
  if (append) machbase.Append = { ...append, requestDeserialize: (b: Buffer) => AppendData.decode(b) };
  return { machbase: machbase as ServiceDefinition, management: serviceOf("mgmt.Management") as ServiceDefinition };
}
