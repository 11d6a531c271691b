import { cleanEnv, type ServiceProcess } from '../support/processes';
import { startLatticeGateway } from '../foreign/gateway-process';
import { asExpected, comparedAnswer, normalizedExpected, type RawAnswer } from './answers';
import { CASES, type FederationCase } from './cases';
import { RUNNING_SUBGRAPHS, startDifferentialFederation, type DifferentialFederation, type SubgraphName } from './federation';
import { startStockGateway, type StockGateway } from './stock-gateway';

/**
 * Differential testing: every case of cases.ts goes to Lattice's gateway (`dist/gateway/main.js --supergraph`, a
 * process of its own, generic features only) and to stock @apollo/gateway, both in front of the same subgraphs on
 * the same supergraph file. Each answer must be the one the case writes down, and the two must be equal after the
 * normalizations of answers.ts.
 */
describe('Lattice gateway and stock @apollo/gateway on one supergraph', () => {
  let federation: DifferentialFederation;
  let stock: StockGateway;
  let lattice: ServiceProcess;
  let latticeUrl: string;

  beforeAll(async () => {
    federation = await startDifferentialFederation();
    lattice = startLatticeGateway(federation.supergraphPath, cleanEnv({ PORT: '0', HOST: '127.0.0.1' }));
    const [started, ready] = await Promise.all([startStockGateway(federation.supergraphPath), lattice.waitForLog('Lattice gateway ready', 30_000)]);
    stock = started;
    latticeUrl = String(ready.url);
  }, 60_000);

  afterAll(async () => {
    await lattice?.stop();
    await stock?.stop();
    await federation?.stop();
  });

  const requestCounts = () => new Map(RUNNING_SUBGRAPHS.map(({ name }) => [name, federation.subgraphs[name]!.requestCount()]));

  /** Sends the case as a JSON POST and resolves with the answer and the subgraphs called meanwhile (cases run one at a time). */
  const ask = async (url: string, c: FederationCase): Promise<{ answer: RawAnswer; called: SubgraphName[] }> => {
    const before = requestCounts();
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: c.query, operationName: c.operationName, variables: c.variables ?? {} }) });
    const answer: RawAnswer = { status: response.status, body: (await response.json()) as RawAnswer['body'] };
    const after = requestCounts();
    return { answer, called: RUNNING_SUBGRAPHS.map(({ name }) => name).filter((name) => after.get(name)! > before.get(name)!) };
  };

  it.each(CASES)('$name', async (c) => {
    const fromStock = await ask(stock.url, c);
    const fromLattice = await ask(latticeUrl, c);
    const stockAnswer = comparedAnswer(fromStock.answer);
    const latticeAnswer = comparedAnswer(fromLattice.answer);

    // Each answer is the one the data and the spec call for (so a bug both gateways share fails), fields in query
    // order; where a case records that one gateway is wrong, that gateway's answer today is asserted as it is.
    const stockWanted = c.stockDeviation?.stock ?? c.expected;
    const latticeWanted = c.knownDifference?.lattice ?? c.expected;
    expect(asExpected(stockAnswer, stockWanted)).toEqual(normalizedExpected(stockWanted));
    expect(JSON.stringify(stockAnswer.data)).toBe(JSON.stringify(stockWanted.data));
    expect(asExpected(latticeAnswer, latticeWanted)).toEqual(normalizedExpected(latticeWanted));
    expect(JSON.stringify(latticeAnswer.data)).toBe(JSON.stringify(latticeWanted.data));

    if (c.knownDifference || c.stockDeviation) {
      // A recorded difference that is gone fails here: then the mark should go.
      expect(latticeAnswer).not.toEqual(stockAnswer);
    } else {
      expect(latticeAnswer).toEqual(stockAnswer);
    }

    // The subgraphs the plan must leave alone received nothing from either gateway.
    const untouched = new Set<string>(c.untouched ?? []);
    expect({ stock: fromStock.called.filter((n) => untouched.has(n)), lattice: fromLattice.called.filter((n) => untouched.has(n)) }).toEqual({ stock: [], lattice: [] });
  });
});
