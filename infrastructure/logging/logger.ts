import pino from 'pino';
import { logCorrelationFields } from './log-context';
import { redactSecrets } from './redact';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
export type LogFields = Record<string, unknown>;

/** The one primitive every logger implements; scoping and levels are built on it so an upgraded logger is always the one written to. */
export interface LogSink {
  write(level: LogLevel, message: string, fields: LogFields): void;
}

export interface Logger {
  fatal(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  debug(message: string, fields?: LogFields): void;
  child(bindings: LogFields): Logger;
}

/**
 * A logger that writes to `sink` at call time. Because `sink` is usually a lifecycle handle, a child made during
 * bootstrap keeps writing to whichever implementation is current (console first, pino after the upgrade).
 */
export function loggerOver(sink: LogSink, bindings: LogFields = {}): Logger {
  const at = (level: LogLevel) => (message: string, fields: LogFields = {}) =>
    sink.write(level, message, redactSecrets({ ...bindings, ...fields }) as LogFields);
  return {
    fatal: at('fatal'),
    error: at('error'),
    warn: at('warn'),
    info: at('info'),
    debug: at('debug'),
    child: (more) => loggerOver(sink, { ...bindings, ...more }),
  };
}

const RANK: Record<LogLevel | 'silent', number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: 100 };

/** Bootstrap implementation: plain lines on stderr, usable before configuration is known. */
export class ConsoleLogSink implements LogSink {
  constructor(private readonly minLevel: LogLevel | 'silent' = 'info') {}
  write(level: LogLevel, message: string, fields: LogFields): void {
    if (RANK[level] < RANK[this.minLevel]) return;
    const extra = Object.keys(fields).length > 0 ? ` ${JSON.stringify(fields)}` : '';
    process.stderr.write(`${new Date().toISOString()} ${level.toUpperCase()} ${message}${extra}\n`);
  }
}

/**
 * Runtime implementation: structured JSON lines on stdout through pino. Each line written inside a request carries
 * its request id, tenant, operation and trace (`logCorrelationFields`); what the caller logged wins over them.
 */
export class PinoLogSink implements LogSink {
  private readonly pino: pino.Logger;
  constructor(level: LogLevel | 'silent', destination?: pino.DestinationStream) {
    this.pino = pino({ level, base: { service: 'lattice' }, timestamp: pino.stdTimeFunctions.isoTime, mixin: logCorrelationFields }, destination);
  }
  write(level: LogLevel, message: string, fields: LogFields): void {
    this.pino[level](fields, message);
  }
  flush(): void {
    this.pino.flush();
  }
}
