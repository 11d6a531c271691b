import { startEmbeddedPlatform, type RunningPlatform } from '../support/platform';
import { bearer, codesOf, graphql, type GraphQLResponse } from '../support/graphql-client';
import { signInAsAdmin } from '../support/scenario';
import { connectSubscriber } from '../support/subscription-client';
import { MALFORMED_ID_CASES, type MalformedIdCase } from '../malformed-ids/cases';
import { rootFieldIdProbes, supergraphIdCoordinates, type IdProbe } from '../malformed-ids/id-probes';

/** Text only a database or driver writes: none of it may reach a client. */
const DATABASE_TEXT = /invalid input syntax|for type uuid|QueryFailedError|syntax error at|violates|relation "|column "/i;

interface Probed {
  probe: IdProbe;
  idCase: MalformedIdCase;
}

function everyProbe(): Probed[] {
  const probes = [...rootFieldIdProbes(), ...Object.values(MALFORMED_ID_CASES).flatMap((idCase) => idCase.probes ?? [])];
  return probes.map((probe) => {
    const idCase = MALFORMED_ID_CASES[probe.coordinate];
    // cases.test.ts names the coordinate; this keeps the suite from passing with it unprobed.
    if (!idCase) throw new Error(`no malformed-id case for ${probe.coordinate}: add it to test/malformed-ids/cases.ts`);
    return { probe, idCase };
  });
}

const rootFieldName = (probe: IdProbe) => probe.field.slice(probe.field.indexOf('.') + 1);

/** Why the answer is not the refusal the case demands, or true. */
function refusedAsMalformed({ probe, idCase }: Probed, response: GraphQLResponse): true | string {
  const text = JSON.stringify(response);
  if (DATABASE_TEXT.test(text)) return 'database text in the answer';
  const [error, ...others] = response.errors ?? [];
  if (!error || others.length > 0) return `expected exactly one error, got ${response.errors?.length ?? 0}`;
  if (error.extensions?.code !== 'BAD_USER_INPUT') return `expected BAD_USER_INPUT, got ${String(error.extensions?.code)}`;
  const expected = `argument "${probe.argument}" of ${probe.field} must be ${idCase.mustBe}`;
  if (!error.message.startsWith(expected)) return `expected a message starting ${JSON.stringify(expected)}`;
  if (error.extensions.coordinate !== probe.coordinate) return `refused at ${String(error.extensions.coordinate)}, not ${probe.coordinate}`;
  const answered = response.data?.[rootFieldName(probe)];
  if (answered !== undefined && answered !== null) return 'data returned beside the refusal';
  return true;
}

describe('malformed ids through the gateway (embedded mode)', () => {
  let platform: RunningPlatform;
  let token: string;
  const send = async (probe: IdProbe, value: string): Promise<GraphQLResponse> => {
    if (!probe.field.startsWith('Subscription.')) return graphql(platform.graphqlUrl, probe.query, probe.variables(value), bearer(token));
    // A subscription's refusal is the protocol's `error` message: its payload is the response's errors.
    const socket = await connectSubscriber(platform.graphqlUrl, token);
    try {
      socket.subscribe('probe', probe.query, probe.variables(value));
      // A subscription it accepts sends nothing until an event: quiet for a second and a half counts as accepted.
      const answer = await socket.waitFor((m) => m.id === 'probe' && m.type === 'error', 1_500).catch(() => null);
      return answer ? { status: 200, errors: answer.payload as GraphQLResponse['errors'] } : { status: 200, data: {} };
    } finally {
      await socket.close();
    }
  };

  beforeAll(async () => {
    platform = await startEmbeddedPlatform();
    token = await signInAsAdmin(platform.graphqlUrl);
  }, 60_000);

  afterAll(async () => {
    await platform?.destroy();
  });

  it('refuses a malformed id in every ID argument and input field with BAD_USER_INPUT naming it, and no data', async () => {
    const probed = everyProbe();
    const answers = await Promise.all(probed.map((p) => send(p.probe, p.idCase.malformed)));
    const failures = probed.flatMap((p, i) => {
      const outcome = refusedAsMalformed(p, answers[i]!);
      return outcome === true ? [] : [`${p.probe.coordinate} via ${p.probe.field} (${p.probe.argument}): ${outcome}; got ${JSON.stringify(answers[i]).slice(0, 300)}`];
    });
    expect(failures).toEqual([]);
    // Every coordinate of the committed supergraph was probed, including ones added since this file was written.
    expect(new Set(probed.map((p) => p.probe.coordinate))).toEqual(new Set(supergraphIdCoordinates()));
  });

  it('lets through ids that are not UUIDs where they are right: built-in role names, service actors', async () => {
    const probed = everyProbe().flatMap((p) => (p.idCase.legitimate ?? []).map((value) => ({ ...p, value })));
    expect(probed.length).toBeGreaterThan(0);
    const answers = await Promise.all(probed.map((p) => send(p.probe, p.value)));
    const failures = probed.flatMap((p, i) => {
      const response = answers[i]!;
      const refusedAsId = (response.errors ?? []).some((e) => e.message.startsWith(`argument "${p.probe.argument}" of`));
      const failed = codesOf(response).includes('INTERNAL_SERVER_ERROR') || DATABASE_TEXT.test(JSON.stringify(response));
      return refusedAsId || failed ? [`${p.probe.coordinate} via ${p.probe.field} = ${JSON.stringify(p.value)}: ${JSON.stringify(response).slice(0, 300)}`] : [];
    });
    expect(failures).toEqual([]);
  });

  it('answers a database failure no id check catches with a generic INTERNAL_SERVER_ERROR, never the database’s text', async () => {
    // A cursor is opaque to clients but carries a sort key the list compares as a uuid: forged, it reaches PostgreSQL.
    const forged = Buffer.from('c1:not-a-uuid').toString('base64url');
    const response = await graphql(platform.graphqlUrl, 'query($after: String) { tenants(first: 5, after: $after) { edges { node { id } } } }', { after: forged }, bearer(token));
    expect(JSON.stringify(response)).not.toMatch(DATABASE_TEXT);
    const [error] = response.errors ?? [];
    expect(error).toBeDefined();
    if (error!.extensions?.code === 'INTERNAL_SERVER_ERROR') {
      expect(error!.message).toBe('internal error: the request could not be completed; quote the requestId when reporting it');
      expect(error!.extensions.requestId).toEqual(expect.any(String));
    } else {
      // Should lists ever check their cursors' keys, the refusal must be the caller's: BAD_USER_INPUT naming `after`.
      expect(error!.extensions?.code).toBe('BAD_USER_INPUT');
      expect(error!.message).toMatch(/after/);
    }
  });
});
