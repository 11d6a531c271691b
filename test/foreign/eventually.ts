/**
 * Polls `probe` until it returns something other than undefined, and resolves with that: the one way these tests
 * wait for a condition (a bounded poll, never a fixed sleep). After `timeoutMs` it fails naming `what`.
 */
export async function eventually<T>(probe: () => Promise<T | undefined>, options: { timeoutMs?: number; everyMs?: number; what?: string } = {}): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${options.timeoutMs ?? 10_000} ms waiting for ${options.what ?? 'a condition'}`);
    await new Promise((resolve) => setTimeout(resolve, options.everyMs ?? 50));
  }
}
