import type { EventType } from '../../infrastructure/events/event-types';
import { bearer } from '../support/graphql-client';

/** committed: data and no errors; refused: only errors that say the request was wrong; unknown: it may or may not have committed. */
export type Outcome = 'committed' | 'refused' | 'unknown';
export type MutationKind = 'createOrganization' | 'renameOrganization' | 'createDepartment' | 'setConfiguration' | 'duplicateName' | 'staleRename' | 'invalidInput';

/** The one event a committed mutation must have caused, as far as the client can know it. */
export interface ExpectedEvent {
  type: EventType;
  aggregateType: string;
  /** Unknown for a create whose answer was lost. */
  aggregateId: string | null;
  /** The version the caller was told (undefined when it was not told). */
  aggregateVersion?: number;
  /** Fields of the event's data the mutation decided. */
  data: Record<string, unknown>;
}

export interface SentMutation {
  /** Sent as x-request-id, so the events it caused carry it. */
  requestId: string;
  client: number;
  tenantId: string;
  kind: MutationKind;
  /** The code a mutation built to be refused must get. */
  refusalExpected: 'CONFLICT' | 'BAD_USER_INPUT' | null;
  outcome: Outcome;
  codes: string[];
  /** For unknown outcomes: what the client saw. */
  detail: string;
  expected: ExpectedEvent | null;
  /** Organization id whose version this mutation depends on or changes. */
  organizationId: string | null;
}

export interface OrganizationState {
  id: string;
  name: string;
  version: number;
  /** False once a mutation of it ended unknown: its name and version are no longer known. */
  certain: boolean;
}

export interface WorkloadClient {
  index: number;
  tenantId: string;
  token: string;
}

/** Codes that mean the platform looked at the request and said no: nothing changed. */
const REFUSAL_CODES = new Set(['CONFLICT', 'BAD_USER_INPUT', 'NOT_FOUND', 'FORBIDDEN', 'UNAUTHENTICATED', 'TENANT_SUSPENDED']);

const CREATE_ORGANIZATION = 'mutation($i: CreateOrganizationInput!) { createOrganization(input: $i) { id name version } }';
const RENAME_ORGANIZATION = 'mutation($i: RenameOrganizationInput!) { renameOrganization(input: $i) { id name version } }';
const CREATE_DEPARTMENT = 'mutation($i: CreateDepartmentInput!) { createDepartment(input: $i) { id version } }';
const SET_CONFIGURATION = 'mutation($i: SetConfigurationInput!) { setConfiguration(input: $i) { scopeId key version } }';

/** mulberry32: a seeded generator, so a failing run's mix can be replayed from the seed it printed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Answer {
  outcome: Outcome;
  codes: string[];
  detail: string;
  data: Record<string, unknown> | null;
}

async function send(url: string, token: string, requestId: string, query: string, variables: Record<string, unknown>): Promise<Answer> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': requestId, ...bearer(token) },
      body: JSON.stringify({ query, variables }),
      signal: AbortSignal.timeout(20_000),
    });
  } catch (error) {
    return { outcome: 'unknown', codes: [], detail: `network: ${(error as Error).message}`, data: null };
  }
  const text = await response.text().catch(() => '');
  let body: { data?: Record<string, unknown> | null; errors?: { extensions?: { code?: unknown } }[] };
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    return { outcome: 'unknown', codes: [], detail: `HTTP ${response.status}, not JSON: ${text.slice(0, 120)}`, data: null };
  }
  const codes = (body.errors ?? []).map((e) => (typeof e.extensions?.code === 'string' ? e.extensions.code : 'NO_CODE'));
  if (response.status >= 500) return { outcome: 'unknown', codes, detail: `HTTP ${response.status}`, data: null };
  if (codes.length > 0) {
    const refused = codes.every((code) => REFUSAL_CODES.has(code));
    return { outcome: refused ? 'refused' : 'unknown', codes, detail: refused ? '' : `HTTP ${response.status} ${codes.join(',')}`, data: null };
  }
  const data = body.data ? Object.values(body.data)[0] : null;
  if (typeof data !== 'object' || data === null) return { outcome: 'unknown', codes, detail: `HTTP ${response.status} without data`, data: null };
  return { outcome: 'committed', codes, detail: '', data: data as Record<string, unknown> };
}

/** Counts mutations as they are sent, so the test can disrupt the platform at a given point of the run. */
export class WorkloadProgress {
  sent = 0;

  reached(count: number): Promise<void> {
    return new Promise((resolve) => {
      const check = () => (this.sent >= count ? resolve() : setTimeout(check, 10));
      check();
    });
  }
}

/**
 * One client of one tenant: `count` mutations in a row, a random mix of creates, renames with the version it read,
 * departments and configuration, about 10% built to be refused. It only renames its own organizations, so the
 * versions it holds are the true ones unless an answer was lost.
 */
export async function runClient(
  url: string,
  client: WorkloadClient,
  options: { count: number; seed: number; runTag: string; progress: WorkloadProgress },
): Promise<{ sent: SentMutation[]; organizations: OrganizationState[] }> {
  const random = seededRandom(options.seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const organizations: OrganizationState[] = [];
  const sent: SentMutation[] = [];
  const prefix = `${options.runTag}-c${client.index}`;
  for (let n = 0; n < options.count; n++) {
    const requestId = `${prefix}-m${n}`;
    const certain = organizations.filter((o) => o.certain);
    const roll = random();
    let kind: MutationKind =
      roll < 0.22 ? 'createOrganization' : roll < 0.47 ? 'renameOrganization' : roll < 0.67 ? 'createDepartment' : roll < 0.9 ? 'setConfiguration' : roll < 0.935 ? 'duplicateName' : roll < 0.97 ? 'staleRename' : 'invalidInput';
    if (certain.length === 0 && kind !== 'invalidInput') kind = 'createOrganization';
    const org = certain.length > 0 ? pick(certain) : null;
    if (kind === 'staleRename' && org!.version < 2) kind = 'duplicateName';
    const base = { requestId, client: client.index, tenantId: client.tenantId, kind, organizationId: org?.id ?? null };
    let query: string;
    let variables: Record<string, unknown>;
    let expected: ExpectedEvent | null = null;
    let refusalExpected: SentMutation['refusalExpected'] = null;
    switch (kind) {
      case 'createOrganization': {
        const name = `Org ${prefix}-${n}`;
        query = CREATE_ORGANIZATION;
        variables = { i: { name } };
        expected = { type: 'tenancy.organization.created', aggregateType: 'Organization', aggregateId: null, aggregateVersion: 1, data: { name } };
        base.organizationId = null;
        break;
      }
      case 'renameOrganization': {
        const name = `Renamed ${prefix}-${n}`;
        query = RENAME_ORGANIZATION;
        variables = { i: { id: org!.id, name, expectedVersion: org!.version } };
        expected = { type: 'tenancy.organization.renamed', aggregateType: 'Organization', aggregateId: org!.id, aggregateVersion: org!.version + 1, data: { name } };
        break;
      }
      case 'createDepartment': {
        const name = `Dept ${prefix}-${n}`;
        query = CREATE_DEPARTMENT;
        variables = { i: { organizationId: org!.id, parentId: null, name } };
        expected = { type: 'tenancy.department.created', aggregateType: 'Department', aggregateId: null, aggregateVersion: 1, data: { name } };
        break;
      }
      case 'setConfiguration': {
        const key = `reliability.k${Math.floor(random() * 3)}`;
        query = SET_CONFIGURATION;
        variables = { i: { scope: { level: 'ORGANIZATION', id: org!.id }, key, value: { n, client: client.index } } };
        expected = { type: 'tenancy.configuration.set', aggregateType: 'Configuration', aggregateId: `ORGANIZATION:${org!.id}:${key}`, data: { key, scopeId: org!.id } };
        break;
      }
      case 'duplicateName':
        query = CREATE_ORGANIZATION;
        variables = { i: { name: org!.name } };
        refusalExpected = 'CONFLICT';
        break;
      case 'staleRename':
        query = RENAME_ORGANIZATION;
        variables = { i: { id: org!.id, name: `Stale ${prefix}-${n}`, expectedVersion: org!.version - 1 } };
        refusalExpected = 'CONFLICT';
        break;
      case 'invalidInput':
        // Whitespace only: empty after trimming, which the name rule refuses.
        query = CREATE_ORGANIZATION;
        variables = { i: { name: '   ' } };
        refusalExpected = 'BAD_USER_INPUT';
        base.organizationId = null;
        break;
    }
    options.progress.sent += 1;
    const answer = await send(url, client.token, requestId, query, variables);
    sent.push({ ...base, refusalExpected, outcome: answer.outcome, codes: answer.codes, detail: answer.detail, expected });
    if (answer.outcome === 'committed' && answer.data) {
      if (kind === 'createOrganization') {
        organizations.push({ id: String(answer.data.id), name: String(answer.data.name), version: Number(answer.data.version), certain: true });
        expected!.aggregateId = String(answer.data.id);
      } else if (kind === 'renameOrganization') {
        org!.name = String(answer.data.name);
        org!.version = Number(answer.data.version);
        expected!.aggregateVersion = org!.version;
      } else if (kind === 'createDepartment') {
        expected!.aggregateId = String(answer.data.id);
      } else if (kind === 'setConfiguration') {
        expected!.aggregateVersion = Number(answer.data.version);
      }
    } else if (answer.outcome === 'unknown' && org && (kind === 'renameOrganization' || kind === 'staleRename')) {
      // The rename may have landed: this organization's name and version are now a guess.
      org.certain = false;
    }
  }
  return { sent, organizations };
}
