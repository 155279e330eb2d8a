// Validation walks a parsed file through the sections' specs: it turns the entries into a
// ConfigPatch plus a list of problems, and never stops at the first one.
import type { Entry, KeySegment, Pos, Problem, Value } from "../parser.ts";
import { closest } from "../suggest.ts";
import { SECTIONS } from "./sections.ts";
import { emptyPatch, type ConfigPatch } from "./patch.ts";
import { got, type BlockSpec, type Ctx, type LabelledSpec } from "./spec.ts";

const root: BlockSpec = { kind: "block", fields: Object.fromEntries(SECTIONS.map((s) => [s.key, s.spec])) };

/** Every full key path in the schema, e.g. "Mqtt.Tls.Enabled", for "it belongs in ..." hints. */
function allPaths(spec: BlockSpec | LabelledSpec, prefix: string): string[] {
  return Object.entries(spec.fields).flatMap(([k, s]) => {
    const full = prefix ? `${prefix}.${k}` : k;
    // bridge keys are not suggested as homes for misplaced service keys
    return s.kind === "leaf" ? [full] : s.kind === "labelled" ? [] : [full, ...allPaths(s, full)];
  });
}
let allPathsCache: string[] | undefined;

function unknownKey(seg: KeySegment, spec: BlockSpec | LabelledSpec, prefix: string): string {
  const where = prefix ? ` in ${prefix}` : "";
  const head = `unknown key "${seg.name}"${where}`;
  const hint = spec.kind === "block" ? spec.hints?.[seg.name] : undefined;
  if (hint) return `${head}; ${hint}`;
  const names = Object.keys(spec.fields);
  const sameButCase = names.find((n) => n.toLowerCase() === seg.name.toLowerCase());
  if (sameButCase) return `${head}; did you mean "${sameButCase}"? (keys are case-sensitive)`;
  const near = closest(seg.name, names);
  if (near) return `${head}; did you mean "${near}"?`;
  allPathsCache ??= allPaths(root, "");
  const elsewhere = allPathsCache.filter((p) => p.endsWith(`.${seg.name}`) || p === seg.name);
  if (elsewhere.length > 0) return `${head}; it belongs in ${elsewhere.map((p) => `"${p}"`).join(" or ")}`;
  return `${head} (known keys${where}: ${names.join(", ")})`;
}

function applyLabelled(
  field: LabelledSpec,
  seg: KeySegment,
  full: string,
  rest: KeySegment[],
  value: Value,
  label: Entry["label"],
  patch: ConfigPatch,
  ctx: Ctx,
): void {
  if (!label || rest.length > 0 || value.kind !== "block") {
    ctx.problems.push({ pos: seg.pos, message: `${full} needs a name: ${seg.name} "name" { ... }` });
    return;
  }
  const bad = field.label(label.name);
  if (bad) {
    ctx.problems.push({ pos: label.pos, message: `${full}: ${bad}` });
    return;
  }
  const named = `${full} ${JSON.stringify(label.name)}`;
  const first = ctx.seen.get(named);
  if (first) {
    ctx.problems.push({ pos: label.pos, message: `${named}: defined twice (first at ${first.line}:${first.col})` });
    return;
  }
  ctx.seen.set(named, label.pos);
  field.start(patch, label.name, label.pos);
  for (const e of value.entries) applyEntry(field, e.key, e.value, named, patch, ctx, e.label);
}

function applyEntry(
  spec: BlockSpec | LabelledSpec,
  key: KeySegment[],
  value: Value,
  prefix: string,
  patch: ConfigPatch,
  ctx: Ctx,
  label?: Entry["label"],
): void {
  const [seg, ...rest] = key;
  if (!seg) return;
  const full = prefix ? `${prefix}.${seg.name}` : seg.name;
  const field = spec.fields[seg.name];
  if (!field) {
    ctx.problems.push({ pos: seg.pos, message: unknownKey(seg, spec, prefix) });
    return;
  }
  if (label && field.kind !== "labelled") {
    ctx.problems.push({ pos: label.pos, message: `${full} takes no label: write ${full} { ... }` });
    return;
  }
  if (field.kind === "labelled") return applyLabelled(field, seg, full, rest, value, label, patch, ctx);
  if (field.kind === "block") {
    field.present?.(patch);
    if (rest.length > 0) return applyEntry(field, rest, value, full, patch, ctx);
    if (value.kind !== "block") {
      ctx.problems.push({ pos: value.pos, message: `${full}: expected a block { ... }, got ${got(value)}` });
      return;
    }
    for (const e of value.entries) applyEntry(field, e.key, e.value, full, patch, ctx, e.label);
    return;
  }
  if (rest.length > 0) {
    ctx.problems.push({
      pos: seg.pos,
      message: `${full} is not a block, so "${full}.${rest.map((s) => s.name).join(".")}" does not exist`,
    });
    return;
  }
  const first: Pos | undefined = ctx.seen.get(full);
  if (first) {
    ctx.problems.push({ pos: seg.pos, message: `${full}: duplicate key (first set at ${first.line}:${first.col})` });
    return;
  }
  ctx.seen.set(full, seg.pos);
  const r = field.read(value, ctx);
  if (typeof r === "string") ctx.problems.push({ pos: value.pos, message: `${full}: ${r}` });
  else r(patch);
}

/** Validate parsed entries against the schema. Relative paths resolve against baseDir. */
export function validate(entries: Entry[], baseDir: string): { patch: ConfigPatch; problems: Problem[] } {
  const ctx: Ctx = { baseDir, problems: [], seen: new Map() };
  const patch = emptyPatch();
  for (const e of entries) applyEntry(root, e.key, e.value, "", patch, ctx, e.label);
  for (const s of SECTIONS) s.check?.(patch, ctx);
  return { patch, problems: ctx.problems };
}
