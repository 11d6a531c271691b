/**
 * A stable stand-in for a module's instance. Dependents capture the proxy once (often during
 * bootstrap) and keep talking to whatever instance is current, so upgrading a module from its
 * bootstrap to its runtime implementation needs no re-injection and leaves no stale references.
 */
export interface ModuleHandle<T extends object> {
  readonly proxy: T;
  /** The instance the proxy forwards to, or undefined while the module is not running. */
  readonly current: T | undefined;
  /** Points the proxy at another instance (or at none, once the module has stopped). */
  swap(instance: T | undefined): void;
}

export function createHandle<T extends object>(module: string): ModuleHandle<T> {
  let current: T | undefined;
  // Bound methods are cached per instance so `handle.fn === handle.fn` holds between swaps,
  // which keeps listener add/remove pairs working through the proxy.
  let bound = new WeakMap<object, unknown>();

  const target = (prop?: PropertyKey): T => {
    if (current === undefined) {
      throw new Error(
        `module "${module}" is not running${prop === undefined ? '' : ` (accessed "${String(prop)}")`}; ` +
          'use its handle only between kernel.start() and kernel.stop()',
      );
    }
    return current;
  };

  const proxy = new Proxy({} as T, {
    get(_, prop) {
      // `await handle` and Promise.resolve(handle) probe `then`; a stopped module is not a thenable.
      if (prop === 'then' && current === undefined) return undefined;
      const instance = target(prop);
      const value: unknown = Reflect.get(instance, prop, instance);
      if (typeof value !== 'function') return value;
      if (!bound.has(value)) bound.set(value, value.bind(instance));
      return bound.get(value);
    },
    set: (_, prop, value) => Reflect.set(target(prop), prop, value),
    has: (_, prop) => Reflect.has(target(prop), prop),
    deleteProperty: (_, prop) => Reflect.deleteProperty(target(prop), prop),
    ownKeys: () => Reflect.ownKeys(target()),
    getOwnPropertyDescriptor(_, prop) {
      const descriptor = Reflect.getOwnPropertyDescriptor(target(prop), prop);
      // The proxy target is an empty extensible object; Proxy invariants forbid reporting a
      // non-configurable property it does not have, so every forwarded descriptor is configurable.
      return descriptor === undefined ? undefined : { ...descriptor, configurable: true };
    },
    defineProperty: (_, prop, descriptor) => Reflect.defineProperty(target(prop), prop, descriptor),
    getPrototypeOf: () => Reflect.getPrototypeOf(target()),
  });

  return {
    proxy,
    get current() {
      return current;
    },
    swap(instance) {
      current = instance;
      bound = new WeakMap();
    },
  };
}
