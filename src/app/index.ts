export { startGateway, type Gateway, type ReadyInfo } from "./gateway.ts";
export { storageOptions } from "./storage-lifecycle.ts";
