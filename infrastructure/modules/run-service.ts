import { ConfigError, loadConfig, type LatticeConfig, type ServiceOptions, type ServiceRole } from '../config/config';
import { LifecycleKernel, stopOnSignals, type InfrastructureModule, type LifecycleEvent } from '../lifecycle';
import { ConsoleLogSink, loggerOver, type LogSink } from '../logging/logger';
import { configModule, eventBusModule, LOG_SINK, logSinkModule } from './core-modules';
import { eventStreamModule } from './event-stream-module';
import { metricsModule } from './metrics-module';

/**
 * Starts one process: parses configuration once, starts the modules in dependency order, and stops them in
 * reverse on SIGINT/SIGTERM. Any startup failure is reported in one line and the process exits 1.
 */
export async function runService(
  role: ServiceRole,
  modulesFor: (config: LatticeConfig) => Promise<InfrastructureModule[]> | InfrastructureModule[],
  prepare: (config: LatticeConfig) => Promise<LatticeConfig> | LatticeConfig = (c) => c,
  options: ServiceOptions = {},
): Promise<LifecycleKernel | undefined> {
  let config: LatticeConfig;
  try {
    config = await prepare(loadConfig(role, options));
  } catch (error) {
    process.stderr.write(`lattice ${role}: ${error instanceof ConfigError ? error.message : String(error)}\n`);
    process.exitCode = 1;
    return undefined;
  }
  // Lifecycle events are logged through whichever sink is current, falling back to the console before it exists.
  const fallback = new ConsoleLogSink(config.logLevel);
  const logger = loggerOver({
    write: (level, message, fields) => {
      let sink: LogSink = fallback;
      try {
        sink = kernel.get<LogSink>(LOG_SINK);
      } catch {
        sink = fallback;
      }
      sink.write(level, message, fields);
    },
  }, { role });
  const onEvent = (event: LifecycleEvent) => {
    if (event.kind === 'start-failed' || event.kind === 'stop-failed') logger.error(`module ${event.module} ${event.kind}`, { error: event.error });
    else logger.debug(`module ${event.module} ${event.kind}`, { ...event });
  };
  // Subgraphs' relays append to the durable stream and audit consumes it; the gateway appends its refusals. One metrics registry for the process.
  const core = [configModule(config), logSinkModule(), eventBusModule(config), eventStreamModule(config), metricsModule()];
  const kernel: LifecycleKernel = new LifecycleKernel([...core, ...(await modulesFor(config))], { onEvent });
  const started = Date.now();
  // Installed before starting: a signal during startup stops whatever has started, in reverse order, and exits 0.
  let signalled = false;
  stopOnSignals(kernel, {
    onSignal: (signal) => {
      signalled = true;
      logger.info(`received ${signal}, shutting down`);
    },
  });
  try {
    await kernel.start();
  } catch (error) {
    if (signalled) return undefined;
    logger.fatal(`lattice ${role} failed to start`, { error });
    await kernel.stop();
    process.exit(1);
  }
  logger.info(`lattice ${role} started`, { ms: Date.now() - started, modules: kernel.order });
  return kernel;
}
