// Reloadable settings: a value that is replaced, never changed in place, and announces
// each replacement. The owner (app's reload) calls set(next); everyone else reads get()
// when they act, or subscribes with onChange to react once per change (no polling).
// Every value is deep-frozen, so nobody can change the settings behind the others' backs.

export interface Settings<T extends object> {
  /** the current value (frozen; a reload replaces it with a new one) */
  get(): T;
  /** called after each change with the new and the previous value; returns an unsubscribe */
  onChange(listener: (next: T, prev: T) => void): () => void;
  /**
   * A read-only object that always reads the current value, for code that reads its
   * config per use (a request's token-auth switch). Holding a nested object from it
   * (`view.mqtt`) holds that value, not the live one: use live(() => s.get().mqtt).
   */
  readonly view: T;
}

export interface SettingsOwner<T extends object> extends Settings<T> {
  /** replace the value and tell every subscriber (in the order they subscribed) */
  set(next: T): void;
}

function deepFreeze<T>(v: T): T {
  if (v !== null && typeof v === "object" && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}

/** A read-only object whose properties are read from `current()` each time. */
export function live<T extends object>(current: () => T): T {
  const refuse = () => {
    throw new TypeError("settings are read-only: a reload replaces them (SettingsOwner.set)");
  };
  return new Proxy({} as T, {
    get: (_t, k) => Reflect.get(current(), k),
    has: (_t, k) => Reflect.has(current(), k),
    ownKeys: () => Reflect.ownKeys(current()),
    getOwnPropertyDescriptor: (_t, k) => {
      const d = Reflect.getOwnPropertyDescriptor(current(), k);
      return d ? { ...d, configurable: true } : undefined;
    },
    set: refuse,
    defineProperty: refuse,
    deleteProperty: refuse,
  });
}

export function createSettings<T extends object>(initial: T): SettingsOwner<T> {
  // a private copy: the caller's object stays theirs (and mutable)
  let current = deepFreeze(structuredClone(initial));
  const listeners = new Set<(next: T, prev: T) => void>();
  return {
    get: () => current,
    view: live(() => current),
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    set(next) {
      const prev = current;
      current = deepFreeze(structuredClone(next));
      for (const l of [...listeners]) l(current, prev);
    },
  };
}
