import {
  DependencyCycleError,
  defineModule,
  LifecycleKernel,
  ModuleStartError,
  type Implementation,
  type InfrastructureModule,
  type LifecycleEvent,
} from './index';

type Probe = { label: string };
type Failure = { start?: boolean; stop?: boolean };

/** An implementation that records its start and stop in `log`, optionally failing either. */
function probe(log: string[], label: string, deps: string[] = [], fail: Failure = {}): Implementation<Probe> {
  return {
    deps,
    async start() {
      if (fail.start) throw new Error('connection refused');
      log.push(`start ${label}`);
      return { label };
    },
    async stop() {
      log.push(`stop ${label}`);
      if (fail.stop) throw new Error(`${label} would not stop`);
    },
  };
}

function kernelWith(modules: InfrastructureModule[]): { kernel: LifecycleKernel; events: LifecycleEvent[] } {
  const events: LifecycleEvent[] = [];
  return { kernel: new LifecycleKernel(modules, { onEvent: (e) => events.push(e) }), events };
}

describe('LifecycleKernel ordering', () => {
  it('starts modules after their dependencies and stops them in reverse start order', async () => {
    const log: string[] = [];
    const { kernel } = kernelWith([
      { name: 'db', runtime: probe(log, 'db', ['config', 'logger']) },
      { name: 'logger', bootstrap: probe(log, 'logger', ['config']) },
      { name: 'config', bootstrap: probe(log, 'config') },
    ]);
    await kernel.start();
    expect(kernel.order).toEqual(['config', 'logger', 'db']);
    await kernel.stop();
    expect(log).toEqual(['start config', 'start logger', 'start db', 'stop db', 'stop logger', 'stop config']);
  });

  it('breaks ties between independent modules by declaration order', async () => {
    const log: string[] = [];
    const { kernel } = kernelWith(['b', 'c', 'a'].map((name) => ({ name, bootstrap: probe(log, name) })));
    await kernel.start();
    expect(kernel.order).toEqual(['b', 'c', 'a']);
  });

  it('starts runtime-only modules after every bootstrap module', async () => {
    const log: string[] = [];
    const { kernel, events } = kernelWith([
      { name: 'http', runtime: probe(log, 'http') },
      { name: 'config', bootstrap: probe(log, 'config') },
    ]);
    await kernel.start();
    expect(kernel.order).toEqual(['config', 'http']);
    expect(events.map((e) => e.kind === 'started' && `${e.module}/${e.phase}`)).toEqual([
      'config/bootstrap',
      'http/runtime',
    ]);
  });
});

describe('LifecycleKernel validation', () => {
  const startFails = (modules: InfrastructureModule[]): Promise<unknown> =>
    kernelWith(modules).kernel.start().catch((e: unknown) => e);

  it('names the cycle when two modules depend on each other', async () => {
    const log: string[] = [];
    const error = await startFails([
      { name: 'a', bootstrap: probe(log, 'a', ['b']) },
      { name: 'b', bootstrap: probe(log, 'b', ['a']) },
    ]);
    expect(error).toBeInstanceOf(DependencyCycleError);
    expect((error as Error).message).toBe('dependency cycle: a -> b -> a');
    expect((error as DependencyCycleError).cycle).toEqual(['a', 'b', 'a']);
    expect(log).toEqual([]);
  });

  it('names the cycle among three modules and leaves modules outside it out of the message', async () => {
    const log: string[] = [];
    const error = await startFails([
      { name: 'app', bootstrap: probe(log, 'app', ['a']) },
      { name: 'a', bootstrap: probe(log, 'a', ['b']) },
      { name: 'b', bootstrap: probe(log, 'b', ['c']) },
      { name: 'c', bootstrap: probe(log, 'c', ['a']) },
    ]);
    expect((error as Error).message).toBe('dependency cycle: a -> b -> c -> a');
  });

  it('rejects a cycle that exists only among runtime dependencies before any bootstrap starts', async () => {
    const log: string[] = [];
    const error = await startFails([
      { name: 'config', bootstrap: probe(log, 'config'), runtime: probe(log, 'config*', ['logger']) },
      { name: 'logger', bootstrap: probe(log, 'logger'), runtime: probe(log, 'logger*', ['config']) },
    ]);
    expect((error as Error).message).toBe('dependency cycle: config -> logger -> config');
    expect(log).toEqual([]);
  });

  const db: InfrastructureModule = { name: 'db', runtime: probe([], 'db') };
  const invalid: [string, InfrastructureModule[], string][] = [
    [
      'a dependency on an unknown module, naming both modules',
      [{ name: 'db', runtime: probe([], 'db', ['secrets']) }],
      'module "db" has a runtime dependency on unknown module "secrets"',
    ],
    ['a duplicate module name', [db, db], 'module "db" is declared twice'],
    ['a module with neither a bootstrap nor a runtime implementation', [{ name: 'cache' }], 'module "cache" has neither'],
    [
      'a bootstrap dependency on a module that has only a runtime implementation',
      [db, { name: 'migrations', bootstrap: probe([], 'migrations', ['db']) }],
      'module "migrations" has a bootstrap dependency on "db"',
    ],
  ];
  it.each(invalid)('rejects %s', async (_case, modules, message) => {
    await expect(kernelWith(modules).kernel.start()).rejects.toThrow(message);
  });
});

interface Logger {
  write(line: string): void;
}

class MemoryLogger implements Logger {
  readonly lines: string[] = [];
  stopped = false;
  constructor(readonly prefix: string) {}
  // Uses `this` on purpose: the handle must call methods bound to the current instance.
  write(line: string): void {
    this.lines.push(`${this.prefix}${line}`);
  }
}

describe('LifecycleKernel upgrades', () => {
  it('routes a handle captured during bootstrap to the runtime instance after the upgrade', async () => {
    const consoleLogger = new MemoryLogger('console: ');
    let capturedDuringBootstrap: Logger | undefined;
    const config = defineModule({ name: 'config', bootstrap: { start: () => ({ logFile: 'app.log' }) } });
    const logger = defineModule<MemoryLogger>({
      name: 'logger',
      bootstrap: {
        start: () => consoleLogger,
        stop: (instance) => void (instance.stopped = true),
      },
      runtime: {
        deps: ['config'],
        start: (ctx) => new MemoryLogger(`${ctx.get<{ logFile: string }>('config').logFile}: `),
      },
    });
    const audit = defineModule<{ record(msg: string): void }>({
      name: 'audit',
      bootstrap: {
        deps: ['logger'],
        start: (ctx) => {
          const log = ctx.get<Logger>('logger');
          capturedDuringBootstrap = log;
          log.write('audit starting');
          return { record: (msg) => log.write(msg) };
        },
      },
    });
    const { kernel, events } = kernelWith([config, logger, audit]);

    await kernel.start();
    kernel.get<{ record(msg: string): void }>('audit').record('tenant created');

    const runtimeLogger = kernel.get<MemoryLogger>('logger');
    expect(capturedDuringBootstrap).toBe(runtimeLogger);
    expect(consoleLogger.lines).toEqual(['console: audit starting']);
    expect(runtimeLogger.lines).toEqual(['app.log: tenant created']);
    expect(consoleLogger.stopped).toBe(true);
    expect(events.filter((e) => e.kind === 'upgraded').map((e) => e.module)).toEqual(['logger']);
  });

  it('keeps one handle per module, with stable bound methods and the instance\'s prototype', async () => {
    const { kernel } = kernelWith([{ name: 'logger', runtime: { start: () => new MemoryLogger('') } }]);
    await kernel.start();
    const handle = kernel.get<MemoryLogger>('logger');
    expect(kernel.get('logger')).toBe(handle);
    // Identity of the bound function is the point here, not calling it.
    // eslint-disable-next-line @typescript-eslint/unbound-method
    expect(handle.write).toBe(handle.write);
    expect(handle).toBeInstanceOf(MemoryLogger);
  });
});

describe('LifecycleKernel failures', () => {
  it('stops the modules already started in reverse order and rejects naming the failed module', async () => {
    const log: string[] = [];
    const { kernel, events } = kernelWith([
      { name: 'config', bootstrap: probe(log, 'config') },
      { name: 'logger', bootstrap: probe(log, 'logger', ['config'], { stop: true }) },
      { name: 'db', runtime: probe(log, 'db', ['logger'], { start: true }) },
    ]);
    const error = await kernel.start().catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ModuleStartError);
    expect((error as ModuleStartError).message).toBe('module "db" failed to start: connection refused');
    expect((error as ModuleStartError).module).toBe('db');
    expect(((error as ModuleStartError).cause as Error).message).toBe('connection refused');
    expect(log).toEqual(['start config', 'start logger', 'stop logger', 'stop config']);
    expect(events.map((e) => `${e.kind} ${e.module}`)).toEqual([
      'started config',
      'started logger',
      'start-failed db',
      'stop-failed logger',
      'stopped config',
    ]);
  });

  it('refuses ctx.get of a module the implementation did not declare as a dependency', async () => {
    const { kernel } = kernelWith([
      { name: 'config', bootstrap: { start: () => ({}) } },
      { name: 'db', runtime: { start: (ctx) => ctx.get('config') } },
    ]);
    await expect(kernel.start()).rejects.toThrow('module "db" did not declare a dependency on "config"');
  });

  it('lets a stop() that arrives mid-start stop what started, and rejects the start', async () => {
    const log: string[] = [];
    let release!: () => void;
    const slow: Implementation<Probe> = { start: () => new Promise((r) => (release = () => r({ label: 'slow' }))) };
    const { kernel } = kernelWith([
      { name: 'slow', bootstrap: { ...slow, stop: () => void log.push('stop slow') } },
      { name: 'never', runtime: probe(log, 'never') },
    ]);
    const starting = kernel.start();
    const stopping = kernel.stop();
    release();
    await expect(starting).rejects.toThrow('lifecycle kernel was stopped while starting; "never" was not started');
    await stopping;
    expect(log).toEqual(['stop slow']);
  });
});

describe('LifecycleKernel stop', () => {
  it('keeps stopping the other modules when one stop throws, and resolves', async () => {
    const log: string[] = [];
    const { kernel, events } = kernelWith([
      { name: 'a', bootstrap: probe(log, 'a') },
      { name: 'b', bootstrap: probe(log, 'b', [], { stop: true }) },
      { name: 'c', bootstrap: probe(log, 'c') },
    ]);
    await kernel.start();
    await expect(kernel.stop()).resolves.toBeUndefined();
    expect(log.slice(3)).toEqual(['stop c', 'stop b', 'stop a']);
    expect(events.filter((e) => e.kind === 'stop-failed').map((e) => e.module)).toEqual(['b']);
  });

  it('stops each instance once however often and however concurrently stop() is called', async () => {
    const log: string[] = [];
    const { kernel } = kernelWith([{ name: 'a', bootstrap: probe(log, 'a'), runtime: probe(log, 'a*') }]);
    await kernel.start();
    await Promise.all([kernel.stop(), kernel.stop()]);
    await kernel.stop();
    // `stop a` is the bootstrap instance retired by the upgrade; `stop a*` is kernel.stop().
    expect(log).toEqual(['start a', 'start a*', 'stop a', 'stop a*']);
  });

  it('refuses to hand out or reach a module that is not running', async () => {
    const { kernel } = kernelWith([{ name: 'logger', runtime: { start: () => new MemoryLogger('') } }]);
    expect(() => kernel.get('logger')).toThrow('module "logger" is not running');
    expect(() => kernel.get('cache')).toThrow('unknown module "cache"');
    await kernel.start();
    const handle = kernel.get<Logger>('logger');
    await kernel.stop();
    expect(() => handle.write('late')).toThrow('module "logger" is not running');
  });
});
