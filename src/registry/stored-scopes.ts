// A key's scopes as stored beside it (a JSON array of scope texts).
/** a JSON array of strings; anything else (hand-edited row) is no scopes at all */
function parseStoredScopes(text: string | null): string[] {
  if (text === null) return [];
  try {
    const v: unknown = JSON.parse(text);
    return Array.isArray(v) && v.every((s) => typeof s === "string") ? v : [];
  } catch {
    return [];
  }
}

/**
 * The same few scope lists are read on every CONNECT: one frozen array per stored text
 * (bounded), so identify() finds its parsed scopes by the array and builds nothing.
 */
const storedScopes = new Map<string, string[]>();
export function scopesOf(text: string | null): string[] {
  if (text === null) return [];
  let v = storedScopes.get(text);
  if (!v) {
    if (storedScopes.size >= 1024) storedScopes.clear();
    storedScopes.set(text, (v = Object.freeze(parseStoredScopes(text)) as string[]));
  }
  return v;
}
