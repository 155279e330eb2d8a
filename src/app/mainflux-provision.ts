// The stores behind Mainflux's provisioning calls (/things, /connect, /channels/<id>/things):
// a thing is a key of the default domain made by the SAME store as SuperMQ's clients
// (createDomainClientStore: one key store), a connection is a pair of channel scopes.
import type { ConnectStore, DomainClientStore, ThingStore } from "../http/index.ts";
import { DEFAULT_DOMAIN_ID } from "../lib/domain-id.ts";
import type { Channels, ClientProfiles } from "../registry/index.ts";

export function createMainfluxStores(d: { clients: DomainClientStore; channels: Channels; profiles: ClientProfiles }): {
  things: ThingStore;
  connect: ConnectStore;
} {
  const { channels, profiles } = d;
  const defaultChannels = () => channels.list().filter((c) => c.domainId === DEFAULT_DOMAIN_ID);
  const connectedTo = (clientId: string) =>
    new Set(
      channels
        .connections()
        .filter((x) => x.clientId === clientId)
        .map((x) => x.channelId),
    );
  return {
    things: { clients: d.clients, channels: defaultChannels, connectedTo },
    connect: {
      channel: (id) => channels.get(id),
      thing: (id) => profiles.get(id),
      things: () => profiles.list(DEFAULT_DOMAIN_ID),
      connectedTo: (channelId) => new Set(channels.connections(channelId).map((x) => x.clientId)),
      connect: (channelId, thingId) => void channels.connect(channelId, thingId),
      disconnect: (channelId, thingId) => void channels.disconnect(channelId, thingId),
    },
  };
}
