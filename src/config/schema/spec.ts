// The shape of the config schema: a tree of specs (leaf values, blocks, labelled blocks)
// and the sections at its top. A section is one top-level key (`Storage { ... }`) with
// everything about it: what it accepts, how it lands in NeoConfig, how it is printed.
import type { Pos, Problem, Value } from "../parser.ts";
import type { NeoConfig } from "../types.ts";
import type { ConfigPatch } from "./patch.ts";

export interface Ctx {
  /** directory that relative paths in the file are resolved against */
  baseDir: string;
  problems: Problem[];
  /** full dotted key -> where it was set, for duplicates and cross-key checks */
  seen: Map<string, Pos>;
}

type Setter = (p: ConfigPatch) => void;
/** Reads a value; returns how to apply it, or a problem message (without the key path). */
type Reader = (v: Value, ctx: Ctx) => Setter | string;

export interface LeafSpec {
  kind: "leaf";
  /** what the value may be, for the configuration reference, e.g. "integer 1-65535" */
  type: string;
  read: Reader;
}
export interface BlockSpec {
  kind: "block";
  fields: Record<string, Spec>;
  /** machbase-neo keys neo does not take, with what to write instead */
  hints?: Record<string, string>;
  /** the block is in the file (even empty): a section that is off unless written turns on */
  present?(p: ConfigPatch): void;
}
/** `Key "label" { ... }`, any number of them: `start` opens a new one, `fields` fill it */
export interface LabelledSpec {
  kind: "labelled";
  fields: Record<string, Spec>;
  /** checks the label; returns an error message or undefined */
  label(name: string): string | undefined;
  start(p: ConfigPatch, label: string, pos: Pos): void;
}
export type Spec = LeafSpec | BlockSpec | LabelledSpec;

/** One top-level key of the file and everything neo does with it. */
export interface Section {
  /** the key as written in the file, e.g. "Storage" */
  key: string;
  spec: Spec;
  /** copies what a patch set onto the config; keys the patch leaves undefined keep their value */
  apply(cfg: NeoConfig, p: ConfigPatch): void;
  /** the resolved values in file syntax (`neo config check`); [] prints nothing */
  format(cfg: NeoConfig): string[];
  /** this section in `neo config init`: its defaults with comments (loading it gives the defaults) */
  sample(): string;
  /** checks across keys, once the whole file is read */
  check?(p: ConfigPatch, ctx: Ctx): void;
}

const typeName = (v: Value) => (v.kind === "bool" ? "boolean" : v.kind);
/** how a value is named in a problem: `string "yes"`, `number 12`, `list` */
export const got = (v: Value) =>
  v.kind === "string" ? `string ${JSON.stringify(v.value)}` : v.kind === "number" ? `number ${v.text}` : typeName(v);

/** JSON-quoted, as strings are written in the file */
export const q = (s: string) => JSON.stringify(s);
export const list = (xs: readonly string[]) => `[${xs.map(q).join(", ")}]`;
/** undefined leaves the value alone */
export const def = <T>(v: T | undefined, fallback: T): T => (v === undefined ? fallback : v);
/** the keys of a patch block that are set */
export const defined = <T extends object>(o: T): Partial<T> =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
