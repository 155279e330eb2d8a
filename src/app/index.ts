export { startGateway, type Gateway, type ReadyInfo } from "./gateway.ts";
export { storageOptions } from "./storage-lifecycle.ts";
export { listTables, setTable, tableInfoJson, type TableInfo, type TableOptions } from "./tables.ts";
export { recoverUser } from "./people.ts";
export { parsePatScopes } from "../auth/index.ts";
