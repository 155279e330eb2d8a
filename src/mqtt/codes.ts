// MQTT v5 reason codes and the one table that maps them to v3.1.1 CONNACK return codes.
// Outcomes inside the broker are reason codes, never exceptions.

export const RC = {
  success: 0x00,
  grantedQos1: 0x01,
  grantedQos2: 0x02,
  disconnectWithWill: 0x04,
  noMatchingSubscribers: 0x10,
  noSubscriptionExisted: 0x11,
  unspecifiedError: 0x80,
  malformedPacket: 0x81,
  protocolError: 0x82,
  implementationSpecificError: 0x83,
  unsupportedProtocolVersion: 0x84,
  clientIdentifierNotValid: 0x85,
  badUserNameOrPassword: 0x86,
  notAuthorized: 0x87,
  serverUnavailable: 0x88,
  serverBusy: 0x89,
  banned: 0x8a,
  serverShuttingDown: 0x8b,
  badAuthenticationMethod: 0x8c,
  keepAliveTimeout: 0x8d,
  sessionTakenOver: 0x8e,
  topicFilterInvalid: 0x8f,
  topicNameInvalid: 0x90,
  packetIdentifierInUse: 0x91,
  packetIdentifierNotFound: 0x92,
  receiveMaximumExceeded: 0x93,
  topicAliasInvalid: 0x94,
  packetTooLarge: 0x95,
  quotaExceeded: 0x97,
  administrativeAction: 0x98,
  payloadFormatInvalid: 0x99,
  sharedSubscriptionsNotSupported: 0x9e,
  connectionRateExceeded: 0x9f,
} as const;

/** v3.1.1 CONNACK return codes [MQTT-3.2.2.3]. */
const V3_CONNACK = {
  accepted: 0,
  unacceptableProtocolVersion: 1,
  identifierRejected: 2,
  serverUnavailable: 3,
  badUserNameOrPassword: 4,
  notAuthorized: 5,
} as const;

/** Map a v5 CONNACK reason code to the closest v3.1.1 return code. */
export function connackCodeV3(v5: number): number {
  switch (v5) {
    case RC.success:
      return V3_CONNACK.accepted;
    case RC.unsupportedProtocolVersion:
      return V3_CONNACK.unacceptableProtocolVersion;
    case RC.clientIdentifierNotValid:
      return V3_CONNACK.identifierRejected;
    case RC.badUserNameOrPassword:
      return V3_CONNACK.badUserNameOrPassword;
    case RC.notAuthorized:
    case RC.banned:
    case RC.connectionRateExceeded:
      return V3_CONNACK.notAuthorized;
    case RC.serverUnavailable:
    case RC.serverBusy:
    case RC.serverShuttingDown:
      return V3_CONNACK.serverUnavailable;
    default:
      // Unspecified and every other refusal: the client must not retry blindly.
      return V3_CONNACK.serverUnavailable;
  }
}

/** v3.1.1 SUBACK failure code [MQTT-3.9.3]. */
export const V3_SUBACK_FAILURE = 0x80;
