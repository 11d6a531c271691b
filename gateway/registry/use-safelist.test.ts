import { createHash } from 'node:crypto';
import { ANONYMOUS } from '../../infrastructure/context/request-context';
import { loggerOver, type LogFields } from '../../infrastructure/logging/logger';
import type { GatewayContext, GatewayFeature, RequestedOperation } from '../core/feature';
import { useSafelist, type SafelistEntry, type SafelistMode } from './use-safelist';

const DASHBOARD = 'query Dashboard { me { displayName } }';
const id = (text: string) => createHash('sha256').update(text).digest('hex');
const context: GatewayContext = { request: { principal: ANONYMOUS, requestId: 'req-1', ipAddress: null, userAgent: null } };
const asked = (requested: Partial<RequestedOperation>): RequestedOperation => ({ query: null, persistedId: null, operationName: null, ...requested });

describe('useSafelist', () => {
  const features: GatewayFeature[] = [];
  const warnings: { message: string; fields: LogFields }[] = [];
  const start = async (mode: SafelistMode, entries: SafelistEntry[] = [{ id: id(DASHBOARD), body: DASHBOARD }]) => {
    const logger = loggerOver({ write: (level, message, fields) => (level === 'warn' ? warnings.push({ message, fields }) : undefined) });
    const feature = await useSafelist({ mode, source: { load: async () => entries, version: async () => entries.length }, pollMs: 60_000, logger });
    features.push(feature);
    return (requested: Partial<RequestedOperation>) => feature.resolveOperation!(asked(requested), context);
  };
  afterEach(async () => {
    await Promise.all(features.splice(0).map((f) => f.stop?.() ?? Promise.resolve()));
    warnings.length = 0;
  });

  it('runs the registered text for a request that sends only its id', async () => {
    const resolve = await start('enforce');
    expect(resolve({ persistedId: id(DASHBOARD) })).toEqual({ query: DASHBOARD });
  });

  it('enforcing, lets a registered text through and refuses an unregistered one or an unknown id before anything runs', async () => {
    const resolve = await start('enforce');
    expect(resolve({ query: DASHBOARD })).toBeNull();
    expect(resolve({ query: '{ me { email } }' })).toEqual({ refuse: expect.objectContaining({ extensions: { code: 'FORBIDDEN' } }) });
    expect(resolve({ persistedId: 'f'.repeat(64) })).toEqual({ refuse: expect.objectContaining({ extensions: { code: 'NOT_FOUND' } }) });
  });

  it('auditing, runs everything and logs what enforcing would refuse, with the operation name and id but not the text', async () => {
    const resolve = await start('audit');
    expect(resolve({ query: 'query Other { me { email } }', operationName: 'Other' })).toBeNull();
    expect(resolve({ query: DASHBOARD })).toBeNull();
    expect(warnings).toEqual([{ message: 'safelist would refuse this operation', fields: { requestId: 'req-1', operationName: 'Other', id: id('query Other { me { email } }'), reason: 'not registered' } }]);
  });

  it('enforcing, refuses everything with SERVICE_UNAVAILABLE until the list has been loaded once', async () => {
    const logger = loggerOver({ write: () => undefined });
    const feature = await useSafelist({ mode: 'enforce', source: { load: () => Promise.reject(new Error('down')), version: () => Promise.reject(new Error('down')) }, pollMs: 60_000, logger });
    features.push(feature);
    expect(feature.resolveOperation!(asked({ query: DASHBOARD }), context)).toEqual({ refuse: expect.objectContaining({ extensions: { code: 'SERVICE_UNAVAILABLE' } }) });
  });
});
