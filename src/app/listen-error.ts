// Bun says "Failed to listen at 127.0.0.1" or "Failed to start server. Is port 5654 in
// use?": name the listener, the address and the setting that chose it.
import { NeoError } from "../lib/errors.ts";

export async function listening<T>(
  what: "MQTT" | "HTTP" | "gRPC" | "CoAP" | "CoAP over TLS" | `${"MQTT" | "HTTP"} listener "${string}"`,
  host: string,
  port: number,
  start: () => T | Promise<T>,
  /** the setting that chose the address, when not the service's Listen (a Listener block: "neo.conf:12:3") */
  chosenBy?: string,
): Promise<T> {
  try {
    return await start();
  } catch (e) {
    if (e instanceof NeoError) throw e;
    const why = e instanceof Error ? e.message : String(e);
    const code = (e as { code?: string }).code;
    const hint =
      code === "EACCES" || /permission/i.test(why)
        ? "permission denied (ports below 1024 need privileges)"
        : code === "EADDRNOTAVAIL" || /not available/i.test(why)
          ? `${host} is not an address of this machine`
          : "the address is in use or not available";
    const setting = chosenBy
      ? chosenBy
      : what === "MQTT"
        ? "Mqtt.Listen / --mqtt-port"
        : what === "HTTP"
          ? "Http.Listen / --http-port"
          : what === "gRPC"
            ? "Grpc.Listen"
            : what === "CoAP"
              ? "Coap.Listen"
              : "Coap.Tls.Listen";
    throw new NeoError(
      "listen_failed",
      `${what} cannot listen on ${host}:${port}: ${hint} (${setting}; ${why})`,
      500,
      e,
    );
  }
}
