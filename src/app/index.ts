export { startGateway, type ReadyInfo } from "./gateway.ts";
export { listTables, setTable, tableInfoJson, type TableInfo } from "./tables.ts";
export { recoverUser } from "./people.ts";
export { parsePatScopes } from "../auth/index.ts";
