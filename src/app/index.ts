export { startGateway, type Gateway, type ReadyInfo } from "./gateway.ts";
