import { createHandle, type ModuleHandle } from './handle';

export interface ModuleContext {
  /**
   * The handle of a dependency this implementation declared in `deps`;
   * throws Error(`module "x" did not declare a dependency on "y"`) otherwise.
   */
  get<T extends object>(name: string): T;
}

export interface Implementation<T extends object> {
  deps?: readonly string[];
  start(ctx: ModuleContext): Promise<T> | T;
  // Method syntax on purpose: it keeps `InfrastructureModule<Logger>` assignable to `InfrastructureModule`.
  stop?(instance: T): Promise<void> | void;
}

/**
 * A piece of infrastructure everything else needs (config, logging, database, ...). `bootstrap`
 * is a lightweight implementation that breaks start-up chicken-and-egg loops (a console logger
 * that needs no config); `runtime` is the full one, swapped in behind the same handle once its
 * own dependencies are up.
 */
export interface InfrastructureModule<T extends object = object> {
  name: string;
  bootstrap?: Implementation<T>;
  runtime?: Implementation<T>;
}

/** Identity at run time; it exists so `T` is inferred once and checked across both implementations. */
export function defineModule<T extends object>(m: InfrastructureModule<T>): InfrastructureModule<T> {
  return m;
}

type Phase = 'bootstrap' | 'runtime';

export type LifecycleEvent =
  | { kind: 'started'; module: string; phase: Phase; ms: number }
  | { kind: 'upgraded'; module: string; ms: number }
  | { kind: 'stopped'; module: string; phase: Phase }
  | { kind: 'stop-failed'; module: string; error: unknown }
  | { kind: 'start-failed'; module: string; error: unknown };

export class DependencyCycleError extends Error {
  constructor(readonly cycle: readonly string[]) {
    super(`dependency cycle: ${cycle.join(' -> ')}`);
    this.name = 'DependencyCycleError';
  }
}

export class ModuleStartError extends Error {
  override readonly cause: unknown;

  constructor(
    readonly module: string,
    cause: unknown,
  ) {
    super(`module "${module}" failed to start: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'ModuleStartError';
    this.cause = cause;
  }
}

interface RunningInstance {
  module: string;
  phase: Phase;
  impl: Implementation<object>;
  instance: object;
}

/**
 * Starts infrastructure in two phases (every bootstrap implementation, then every runtime one,
 * each in dependency order) and stops it in reverse. Dependents only ever see handles, so an
 * upgrade from bootstrap to runtime is invisible to them.
 */
export class LifecycleKernel {
  private readonly handles = new Map<string, ModuleHandle<object>>();
  private readonly running: RunningInstance[] = [];
  private readonly startOrder: string[] = [];
  private readonly onEvent: (e: LifecycleEvent) => void;
  private startCall: Promise<void> | undefined;
  private stopCall: Promise<void> | undefined;
  private stopRequested = false;

  constructor(
    private readonly modules: readonly InfrastructureModule[],
    options: { onEvent?: (e: LifecycleEvent) => void } = {},
  ) {
    for (const m of modules) this.handles.set(m.name, createHandle(m.name));
    this.onEvent = options.onEvent ?? (() => undefined);
  }

  /** Names in the order they first started; an upgrade does not move a module. */
  get order(): readonly string[] {
    return [...this.startOrder];
  }

  start(): Promise<void> {
    if (this.startCall) return Promise.reject(new Error('lifecycle kernel already started; a kernel starts once'));
    if (this.stopCall) {
      return Promise.reject(new Error('lifecycle kernel was stopped; create a new one to start again'));
    }
    this.startCall = this.startAll();
    return this.startCall;
  }

  stop(): Promise<void> {
    this.stopCall ??= this.stopAll();
    return this.stopCall;
  }

  get<T extends object>(name: string): T {
    const handle = this.handles.get(name);
    if (!handle) throw new Error(`unknown module "${name}"; known modules: ${[...this.handles.keys()].join(', ')}`);
    if (handle.current === undefined) {
      throw new Error(`module "${name}" is not running; call kernel.get() after start() resolves and before stop()`);
    }
    return handle.proxy as T;
  }

  private async startAll(): Promise<void> {
    // Planning validates everything and rejects cycles in either phase before anything starts.
    const plan = planStart(this.modules);
    for (const phase of ['bootstrap', 'runtime'] as const) {
      for (const m of plan[phase]) await this.launch(m, phase);
    }
  }

  private async stopAll(): Promise<void> {
    this.stopRequested = true;
    // A failed start already rolled back; one cut short by this stop left its modules to us.
    await this.startCall?.catch(() => undefined);
    await this.stopRunning();
  }

  private async launch(m: InfrastructureModule, phase: Phase): Promise<void> {
    if (this.stopRequested) throw new Error(`lifecycle kernel was stopped while starting; "${m.name}" was not started`);
    const impl = m[phase] as Implementation<object>;
    const began = performance.now();
    let instance: object;
    try {
      instance = await impl.start(this.contextFor(m.name, impl.deps ?? []));
      if ((typeof instance !== 'object' && typeof instance !== 'function') || instance === null) {
        throw new TypeError(`${phase} start() must return the module instance (an object), got ${String(instance)}`);
      }
    } catch (error) {
      this.emit({ kind: 'start-failed', module: m.name, error });
      await this.stopRunning();
      throw new ModuleStartError(m.name, error);
    }

    const bootstrapIndex = this.running.findIndex((r) => r.module === m.name);
    this.running.push({ module: m.name, phase, impl, instance });
    // Swap before stopping the old instance so no dependent ever reaches a stopped one.
    this.handleOf(m.name).swap(instance);
    if (bootstrapIndex < 0) {
      this.startOrder.push(m.name);
      this.emit({ kind: 'started', module: m.name, phase, ms: elapsed(began) });
      return;
    }
    const [bootstrap] = this.running.splice(bootstrapIndex, 1) as [RunningInstance];
    await this.stopInstance(bootstrap, false);
    this.emit({ kind: 'upgraded', module: m.name, ms: elapsed(began) });
  }

  private contextFor(module: string, deps: readonly string[]): ModuleContext {
    const declared = new Set(deps);
    return {
      get: <T extends object>(name: string): T => {
        if (!declared.has(name)) throw new Error(`module "${module}" did not declare a dependency on "${name}"`);
        return this.handleOf(name).proxy as T;
      },
    };
  }

  private async stopRunning(): Promise<void> {
    for (let entry = this.running.pop(); entry; entry = this.running.pop()) {
      await this.stopInstance(entry, true);
      this.handleOf(entry.module).swap(undefined);
    }
  }

  /** Never throws: a failing stop is reported and must not keep the remaining modules running. */
  private async stopInstance(entry: RunningInstance, announce: boolean): Promise<void> {
    try {
      await entry.impl.stop?.(entry.instance);
      if (announce) this.emit({ kind: 'stopped', module: entry.module, phase: entry.phase });
    } catch (error) {
      this.emit({ kind: 'stop-failed', module: entry.module, error });
    }
  }

  private emit(event: LifecycleEvent): void {
    try {
      this.onEvent(event);
    } catch {
      // An observer (often a logger that has itself just stopped) must not abort a start or a stop.
    }
  }

  private handleOf(name: string): ModuleHandle<object> {
    const handle = this.handles.get(name);
    if (!handle) throw new Error(`unknown module "${name}"`);
    return handle;
  }
}

function elapsed(since: number): number {
  return Math.round(performance.now() - since);
}

/** Pure: validates the declarations and orders each phase, throwing before anything has started. */
function planStart(modules: readonly InfrastructureModule[]): Record<Phase, InfrastructureModule[]> {
  const byName = new Map<string, InfrastructureModule>();
  for (const m of modules) {
    if (byName.has(m.name)) throw new Error(`module "${m.name}" is declared twice; module names must be unique`);
    if (!m.bootstrap && !m.runtime) {
      throw new Error(`module "${m.name}" has neither a bootstrap nor a runtime implementation`);
    }
    byName.set(m.name, m);
  }
  for (const m of modules) {
    for (const phase of ['bootstrap', 'runtime'] as const) {
      for (const dep of m[phase]?.deps ?? []) {
        const target = byName.get(dep);
        if (!target) throw new Error(`module "${m.name}" has a ${phase} dependency on unknown module "${dep}"`);
        if (phase === 'bootstrap' && !target.bootstrap) {
          throw new Error(
            `module "${m.name}" has a bootstrap dependency on "${dep}", which has no bootstrap implementation; ` +
              `give "${dep}" one or move the dependency to runtime deps`,
          );
        }
      }
    }
  }
  const depsIn = (phase: Phase) => (m: InfrastructureModule) =>
    // A runtime dep on a bootstrap-only module is already up after phase 1, so it does not order phase 2.
    (m[phase]?.deps ?? []).map((d) => byName.get(d) as InfrastructureModule).filter((d) => d[phase] !== undefined);
  return {
    bootstrap: topologicalOrder(modules.filter((m) => m.bootstrap), depsIn('bootstrap')),
    runtime: topologicalOrder(modules.filter((m) => m.runtime), depsIn('runtime')),
  };
}

/** Depth-first, visiting in declaration order so ties resolve deterministically. */
function topologicalOrder<N extends { name: string }>(nodes: readonly N[], depsOf: (n: N) => readonly N[]): N[] {
  const order: N[] = [];
  const done = new Set<N>();
  const path: N[] = [];
  const visit = (node: N): void => {
    if (done.has(node)) return;
    const onPath = path.indexOf(node);
    if (onPath >= 0) throw new DependencyCycleError([...path.slice(onPath), node].map((n) => n.name));
    path.push(node);
    for (const dep of depsOf(node)) visit(dep);
    path.pop();
    done.add(node);
    order.push(node);
  };
  for (const node of nodes) visit(node);
  return order;
}
