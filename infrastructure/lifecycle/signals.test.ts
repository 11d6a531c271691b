import { EventEmitter } from 'node:events';
import { stopOnSignals } from './signals';

function deferred(): { promise: Promise<void>; resolve: () => void; reject: (e: Error) => void } {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('stopOnSignals', () => {
  it('stops the kernel on SIGTERM and exits 0 only once stopping has finished', async () => {
    const target = new EventEmitter();
    const stopping = deferred();
    const kernel = { stop: jest.fn(() => stopping.promise) };
    const exit = jest.fn();
    const onSignal = jest.fn();
    stopOnSignals(kernel, { target, exit, onSignal });

    target.emit('SIGTERM');
    expect(onSignal).toHaveBeenCalledWith('SIGTERM');
    expect(kernel.stop).toHaveBeenCalledTimes(1);
    await settle();
    expect(exit).not.toHaveBeenCalled();

    stopping.resolve();
    await settle();
    expect(exit).toHaveBeenCalledWith(0);
  });

  it('exits 1 when stopping the kernel fails', async () => {
    const target = new EventEmitter();
    const exit = jest.fn();
    stopOnSignals({ stop: () => Promise.reject(new Error('db would not close')) }, { target, exit });

    target.emit('SIGINT');
    await settle();
    expect(exit).toHaveBeenCalledWith(1);
  });

  it('exits 1 at once on a second signal while the first stop is still running', async () => {
    const target = new EventEmitter();
    const kernel = { stop: jest.fn(() => deferred().promise) };
    const exit = jest.fn();
    stopOnSignals(kernel, { target, exit });

    target.emit('SIGINT');
    target.emit('SIGINT');
    expect(exit).toHaveBeenCalledWith(1);
    expect(kernel.stop).toHaveBeenCalledTimes(1);
  });

  it('removes its listeners when uninstalled', () => {
    const target = new EventEmitter();
    const uninstall = stopOnSignals({ stop: async () => undefined }, { target, signals: ['SIGINT', 'SIGHUP'] });
    expect(target.listenerCount('SIGINT') + target.listenerCount('SIGHUP')).toBe(2);
    uninstall();
    expect(target.listenerCount('SIGINT') + target.listenerCount('SIGHUP')).toBe(0);
  });

  it('listens on process by default, and only once called', () => {
    const before = process.listenerCount('SIGUSR2');
    const uninstall = stopOnSignals({ stop: async () => undefined }, { signals: ['SIGUSR2'], exit: jest.fn() });
    expect(process.listenerCount('SIGUSR2')).toBe(before + 1);
    uninstall();
    expect(process.listenerCount('SIGUSR2')).toBe(before);
  });
});
