/** The slice of `process` signal handling needs; tests pass an EventEmitter instead. */
export interface SignalTarget {
  on(signal: NodeJS.Signals, listener: () => void): unknown;
  off(signal: NodeJS.Signals, listener: () => void): unknown;
}

export interface StopOnSignalsOptions {
  /** Called once, on the first signal, before stopping (e.g. to log "shutting down"). */
  onSignal?: (signal: string) => void;
  /** Defaults to process.exit. */
  exit?: (code: number) => void;
  /** Defaults to SIGINT and SIGTERM. */
  signals?: NodeJS.Signals[];
  /** Defaults to process. */
  target?: SignalTarget;
}

/**
 * Stops the kernel gracefully on the first signal, then exits 0 (1 if stopping failed). A second
 * signal exits 1 at once: installing a listener disables Node's default exit, and an operator
 * pressing Ctrl-C twice must still be able to kill a stop that hangs.
 * Returns a function that removes the listeners again.
 */
export function stopOnSignals(kernel: { stop(): Promise<void> }, options: StopOnSignalsOptions): () => void {
  const target = options.target ?? process;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let stopping = false;

  async function shutDown(signal: NodeJS.Signals): Promise<void> {
    try {
      options.onSignal?.(signal);
    } finally {
      await kernel.stop();
    }
  }

  const listeners = (options.signals ?? ['SIGINT', 'SIGTERM']).map((signal) => {
    const listener = (): void => {
      if (stopping) return exit(1);
      stopping = true;
      shutDown(signal).then(
        () => exit(0),
        () => exit(1),
      );
    };
    target.on(signal, listener);
    return { signal, listener };
  });

  return () => {
    for (const { signal, listener } of listeners) target.off(signal, listener);
  };
}
