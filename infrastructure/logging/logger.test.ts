import { loggerOver, type LogFields, type LogLevel, type LogSink } from './logger';

class MemorySink implements LogSink {
  lines: { level: LogLevel; message: string; fields: LogFields }[] = [];
  write(level: LogLevel, message: string, fields: LogFields) {
    this.lines.push({ level, message, fields });
  }
}

describe('logger', () => {
  it('never writes a password, token or secret, however deep it is nested', () => {
    const sink = new MemorySink();
    loggerOver(sink).info('sign-in', {
      input: { email: 'a@b.c', password: 'hunter2hunter2' },
      headers: { authorization: 'Bearer abc' },
      refreshToken: 'r1',
      nested: [{ clientSecret: 's' }],
    });
    const written = JSON.stringify(sink.lines);
    expect(written).not.toMatch(/hunter2|Bearer abc|"r1"|"s"/);
    expect(sink.lines[0]!.fields).toMatchObject({ input: { email: 'a@b.c', password: '[redacted]' } });
  });

  it('keeps the bindings of a child logger on every line', () => {
    const sink = new MemorySink();
    loggerOver(sink, { service: 'identity' }).child({ requestId: 'r-9' }).warn('slow');
    expect(sink.lines).toEqual([{ level: 'warn', message: 'slow', fields: { service: 'identity', requestId: 'r-9' } }]);
  });
});
