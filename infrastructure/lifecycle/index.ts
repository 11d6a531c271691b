export {
  DependencyCycleError,
  defineModule,
  LifecycleKernel,
  ModuleStartError,
  type Implementation,
  type InfrastructureModule,
  type LifecycleEvent,
  type ModuleContext,
} from './kernel';
export { stopOnSignals, type SignalTarget, type StopOnSignalsOptions } from './signals';
