// What the rest of config uses from the schema: the sections, an empty patch, validation.
export { SECTIONS } from "./sections.ts";
export { emptyPatch, type ConfigPatch } from "./patch.ts";
export { LOG_LEVELS } from "./log.ts";
export { validate } from "./validate.ts";
export type { Spec } from "./spec.ts";
