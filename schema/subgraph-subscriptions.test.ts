import 'reflect-metadata';
import { execute, parse, subscribe, type ExecutionResult, type GraphQLSchema } from 'graphql';
import { SERVED_BY_GATEWAY } from '../infrastructure/graphql/gateway-served-subscriptions';
import { buildAuditSchema } from '../subgraphs/audit/audit-subgraph';
import { buildIdentitySchema } from '../subgraphs/identity/identity-subgraph';
import { buildTenancySchema } from '../subgraphs/tenancy/tenancy-subgraph';

const SUBGRAPHS: [name: string, build: () => Promise<GraphQLSchema>, subscriptions: string[]][] = [
  ['identity', buildIdentitySchema, ['userChanged(id: ID): UserChange!']],
  [
    'tenancy',
    buildTenancySchema,
    [
      'tenantChanged(id: ID): TenantChange!',
      'organizationChanged(id: ID): OrganizationChange!',
      'departmentChanged(id: ID): DepartmentChange!',
      'configurationChanged(key: String): ConfigurationChange!',
    ],
  ],
  ['audit', buildAuditSchema, ['auditEventRecorded(filter: AuditEventSubscriptionFilter): AuditEvent!']],
];

async function subscribed(schema: GraphQLSchema, document: string, variableValues: Record<string, unknown> = {}): Promise<ExecutionResult> {
  const result = await subscribe({ schema, document: parse(document), variableValues, contextValue: {} });
  if (Symbol.asyncIterator in result) throw new Error('a subgraph started a subscription');
  return result;
}

describe.each(SUBGRAPHS)('the %s subgraph’s subscription fields', (_name, build, fields) => {
  let schema: GraphQLSchema;

  beforeAll(async () => {
    schema = await build();
  });

  it('are in the SDL it serves as _service { sdl }, so they compose into the supergraph', async () => {
    const answer = await execute({ schema, document: parse('{ _service { sdl } }'), contextValue: {} });
    const sdl = (answer.data as { _service: { sdl: string } })._service.sdl;
    expect(sdl).toMatch(/type Subscription\b/);
    for (const field of fields) expect(sdl).toContain(field);
  });

  it('refuse to run there with BAD_REQUEST: the gateway serves them over graphql-ws', async () => {
    for (const field of fields) {
      const name = field.slice(0, field.indexOf('('));
      const result = await subscribed(schema, `subscription { ${name} { __typename } }`);
      expect(result.errors?.map((e) => ({ message: e.message, code: e.extensions.code }))).toEqual([{ message: SERVED_BY_GATEWAY, code: 'BAD_REQUEST' }]);
      // Executed like a query (a subscription POSTed to the subgraph), the field refuses the same way.
      const executed = await execute({ schema, document: parse(`subscription { ${name} { __typename } }`), contextValue: {} });
      expect(executed.errors?.map((e) => e.extensions.code)).toEqual(['BAD_REQUEST']);
    }
  });
});

describe('subscription arguments at a subgraph', () => {
  it('refuse a malformed id before anything else, like every other id argument', async () => {
    const result = await subscribed(await buildIdentitySchema(), 'subscription($id: ID) { userChanged(id: $id) { type } }', { id: 'not-a-uuid' });
    expect(result.errors?.map((e) => e.extensions.code)).toEqual(['BAD_USER_INPUT']);
  });

  it('take a configuration slot as an aggregate id in auditEventRecorded’s filter', async () => {
    const result = await subscribed(await buildAuditSchema(), 'subscription($f: AuditEventSubscriptionFilter) { auditEventRecorded(filter: $f) { id } }', {
      f: { aggregateId: 'TENANT:01964d9e-7a1c-7b2e-8f00-2a1b3c4d5e6f:billing.plan' },
    });
    expect(result.errors?.map((e) => e.extensions.code)).toEqual(['BAD_REQUEST']);
  });
});
