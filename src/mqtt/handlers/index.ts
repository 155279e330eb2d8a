// Packet dispatch for a connection; one handler per packet kind.
import type { Packet } from "mqtt-packet";
import type { Connection } from "../connection.ts";
import { RC } from "../codes.ts";
import { handleConnect } from "./connect.ts";
import { handleSubscribe } from "./subscribe.ts";
import { handleUnsubscribe } from "./unsubscribe.ts";
import { handlePuback, handlePubcomp, handlePubrec, handlePubrel } from "./pubacks.ts";
import { handleDisconnect } from "./disconnect.ts";

/** Handle one non-PUBLISH packet; a returned promise holds later packets until it settles. */
export function dispatchPacket(c: Connection, p: Packet): Promise<void> | void {
  if (c.state === "new") {
    if (p.cmd !== "connect") return c.close(); // [MQTT-3.1.0-1]
    return handleConnect(c, p);
  }
  switch (p.cmd) {
    case "connect":
      return c.protocolClose(RC.protocolError); // [MQTT-3.1.0-2]
    case "subscribe":
      return handleSubscribe(c, p);
    case "unsubscribe":
      return handleUnsubscribe(c, p);
    case "puback":
      return handlePuback(c, p);
    case "pubrec":
      return handlePubrec(c, p);
    case "pubrel":
      return handlePubrel(c, p);
    case "pubcomp":
      return handlePubcomp(c, p);
    case "pingreq":
      c.sendPacket({ cmd: "pingresp" }); // [MQTT-3.12.4-1]
      return;
    case "disconnect":
      return handleDisconnect(c, p);
    default:
      // AUTH (no enhanced authentication offered) and server-to-client packets
      return c.protocolClose(RC.protocolError);
  }
}
