// Reports: plain text, one fact a line, stable enough to grep in CI logs.
import { type RecordedOperation, type RegistrySubgraph, type RegistrySupergraph, type SchemaChange, type SchemaCheck } from './registry-client';

export function checkReport(check: SchemaCheck): string[] {
  const against = check.baseVersion === null ? 'as a new subgraph' : `against version ${check.baseVersion}`;
  const { composition, changes, operations, lint } = check;
  return [
    `check ${check.subgraph} ${against}: ${verdict(check.passed)}`,
    `composition: ${verdict(composition.passed)}${composition.errors.length > 0 ? ` (${plural(composition.errors.length, 'error')})` : ''}`,
    ...composition.errors.map((e) => {
      const where = e.locations.map((l) => [l.subgraph, l.line, l.column].filter((part) => part !== null).join(':')).join(', ');
      return `  ${e.code}  ${e.message}${where ? ` (${where})` : ''}`;
    }),
    `changes: ${changes.length === 0 ? 'none' : countChanges(changes)}`,
    ...changes.flatMap(changeLines),
    `operations: ${verdict(operations.passed)}; ${plural(operations.checked, 'operation')} seen in the last ${plural(operations.windowDays, 'day')} checked; ${operations.affected.length} affected`,
    `lint: ${verdict(lint.passed)}${lint.messages.length > 0 ? ` (${plural(lint.messages.length, 'message')})` : ''}`,
    ...lint.messages.map((m) => `  ${m.severity}  ${m.rule}  ${m.coordinate ? `${m.coordinate}  ` : ''}${m.message}`),
  ];
}

export function refusalReasons(check: SchemaCheck): string {
  const reasons = [
    check.composition.passed ? null : 'composition failed',
    check.operations.passed ? null : `changes affect ${plural(check.operations.affected.length, 'recorded operation')}`,
    check.lint.passed ? null : 'lint failed',
  ].filter((reason) => reason !== null);
  return reasons.length > 0 ? reasons.join(', ') : check.passed ? 'the registry did not say why' : 'the check failed';
}

export function changeLines(change: SchemaChange): string[] {
  return [`  ${change.criticality}  ${change.path ? `${change.path}  ` : ''}${change.message}`, ...change.affectedOperations.map((op) => `    ${usedBy(op)}`)];
}

export function countChanges(changes: readonly SchemaChange[]): string {
  const count = (criticality: string) => changes.filter((change) => change.criticality === criticality).length;
  return `${plural(changes.length, 'change')} (${count('BREAKING')} breaking, ${count('DANGEROUS')} dangerous, ${count('SAFE')} safe)`;
}

function usedBy(op: RecordedOperation): string {
  const name = op.operationName ?? `an anonymous operation ${op.signatureHash.slice(0, 12)}`;
  const client = op.clientName ? `client ${op.clientName}${op.clientVersion ? ` ${op.clientVersion}` : ''}` : 'unknown client';
  // The day is enough to tell "still in use" from "last seen months ago"; the full timestamp is in --json.
  const day = /^\d{4}-\d{2}-\d{2}/.test(op.lastSeen) ? op.lastSeen.slice(0, 10) : op.lastSeen;
  return `used by ${name} (${client}, ${plural(op.count, 'request')}, last seen ${day})`;
}

export function listReport(subgraphs: readonly RegistrySubgraph[], supergraph: RegistrySupergraph | null): string[] {
  const rows = subgraphs.map((s) => [s.name, String(s.version), s.url, s.author, s.commit ? s.commit.slice(0, 7) : '-', s.publishedAt]);
  const table = rows.length === 0 ? ['no subgraphs published yet'] : columns([['NAME', 'VERSION', 'URL', 'AUTHOR', 'COMMIT', 'PUBLISHED AT'], ...rows]);
  return [...table, '', supergraph ? `supergraph ${supergraph.id} (composed ${supergraph.createdAt})` : 'supergraph: none composed yet'];
}

function columns(rows: readonly string[][]): string[] {
  const widths = rows[0]!.map((_, index) => Math.max(...rows.map((row) => row[index]!.length)));
  return rows.map((row) => row.map((cell, index) => (index === row.length - 1 ? cell : cell.padEnd(widths[index]!))).join('  '));
}

function verdict(passed: boolean): string {
  return passed ? 'passed' : 'FAILED';
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
