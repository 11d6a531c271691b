import { parse } from 'graphql';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { RequestContext } from '../../infrastructure/context/request-context';
import { type TenantDatabase } from '../../infrastructure/database/scoped-database';
import { isUniqueViolation } from '../../infrastructure/database/postgres-errors';
import { errors, LatticeError } from '../../infrastructure/errors/error-codes';
import type { EventStore } from '../../infrastructure/events/outbox/event-store';
import { RequestEvents } from '../../infrastructure/events/outbox/request-events';
import { uuid7 } from '../../infrastructure/events/uuid7';
import type { Logger } from '../../infrastructure/logging/logger';
import { supergraphId } from '../../gateway/supergraph/supergraph-version';
import { classifyChanges, composeSubgraphs, runCheck, type CheckReport, type SchemaChangeInfo, type SubgraphInput } from './checks';
import { Supergraph } from '@apollo/federation-internals';
import { withoutSecurityFeatures } from '../../gateway/supergraph/security-features';
import { readManifest, type ManifestProblem } from './persisted-operations';
import { RegistryStore, type OperationUse, type SafelistedOperation, type StoredSupergraph, type SubgraphVersion } from './registry-store';

/** How far back the operation check looks unless a check says otherwise. */
export const DEFAULT_WINDOW_DAYS = 7;
const MAX_WINDOW_DAYS = 90;
const MAX_SDL_BYTES = 1024 * 1024;
const SUBGRAPH_NAME = /^[a-z][a-z0-9_-]{0,62}$/;

export interface SchemaCheck extends CheckReport {
  readonly subgraph: string;
  /** The version checked against; null for a subgraph the registry does not know yet. */
  readonly baseVersion: number | null;
}

export interface PublishOutcome {
  readonly published: boolean;
  readonly version: number | null;
  readonly supergraphId: string | null;
  readonly check: SchemaCheck;
}

export interface CheckRequest {
  readonly subgraph: string;
  readonly sdl: string;
  readonly windowDays?: number | null;
}

export interface PublishRequest {
  readonly subgraph: string;
  readonly sdl: string;
  readonly url: string;
  readonly author: string;
  readonly commit?: string | null;
  /** Registers a subgraph the registry does not know yet; without it an unknown name is NOT_FOUND. */
  readonly new?: boolean | null;
}

const normalized = (sdl: string) => `${sdl.trim()}\n`;

interface Proposal {
  readonly proposed: SubgraphInput;
  /** The version the publish started from (null: a new subgraph). */
  readonly baseVersion: number | null;
  readonly author: string;
  readonly commit: string | null;
  readonly changes: number;
  readonly breakingChanges: number;
}
const dayOf = (date: Date) => date.toISOString().slice(0, 10);

/**
 * The schema registry: versioned subgraph schemas, the supergraphs they compose, and the operations clients run.
 * A check composes the proposed schema with every other subgraph's current version, classifies each change, and
 * fails a breaking one only when an operation seen within the window uses what it breaks. A publish that composes
 * becomes the current supergraph, in one transaction with its audit event; running gateways pick it up.
 */
export class RegistryService {
  private readonly store: RegistryStore;

  constructor(
    private readonly deps: { database: TenantDatabase; events: EventStore; logger: Logger; now?: () => Date },
  ) {
    this.store = new RegistryStore(deps.database.unscoped());
  }

  subgraphs(): Promise<SubgraphVersion[]> {
    return this.store.currentVersions();
  }

  supergraph(): Promise<StoredSupergraph | null> {
    return this.store.currentSupergraph();
  }

  supergraphId(): Promise<string | null> {
    return this.store.currentSupergraphId();
  }

  async history(name: string, first: number): Promise<SubgraphVersion[]> {
    await this.known(name);
    return this.store.history(name, Math.min(Math.max(first, 1), 100));
  }

  async version(name: string, version: number): Promise<SubgraphVersion> {
    const found = await this.store.version(name, version);
    if (!found) {
      await this.known(name);
      throw errors.notFound(`version of ${name}`, String(version));
    }
    return found;
  }

  /** The changes from one version of a subgraph to another, classified as a check would (subgraph schemas alone). */
  async diff(name: string, from: number, to: number): Promise<SchemaChangeInfo[]> {
    const [before, after] = await Promise.all([this.version(name, from), this.version(name, to)]);
    return classifyChanges(subgraphApiSchema(before), subgraphApiSchema(after));
  }

  async check(request: CheckRequest): Promise<SchemaCheck> {
    const subgraph = validName('input.subgraph', request.subgraph);
    const sdl = validSdl('input.sdl', request.sdl);
    const windowDays = validWindow('input.windowDays', request.windowDays);
    const current = await this.store.currentVersions();
    const base = current.find((v) => v.name === subgraph) ?? null;
    if (!base) throw this.unknown(subgraph, current);
    return this.checkAgainst(current, { name: subgraph, url: base.url, sdl }, windowDays, base.version);
  }

  /**
   * Publishes a version: refused (nothing written) when it does not compose; CONFLICT when another publish of the
   * same subgraph committed since this one read its base version. Other subgraphs published meanwhile are composed
   * in under the lock, so the stored supergraph always holds every subgraph's latest version.
   */
  async publish(request: RequestContext, input: PublishRequest): Promise<PublishOutcome> {
    const subgraph = validName('input.subgraph', input.subgraph);
    const sdl = validSdl('input.sdl', input.sdl);
    const url = validUrl('input.url', input.url);
    const author = validText('input.author', input.author, 200);
    const commit = input.commit === null || input.commit === undefined || input.commit.trim() === '' ? null : validText('input.commit', input.commit, 100);
    const current = await this.store.currentVersions();
    const base = current.find((v) => v.name === subgraph) ?? null;
    if (!base && !input.new) throw this.unknown(subgraph, current);
    if (base && input.new) throw errors.conflict(`subgraph ${JSON.stringify(subgraph)} is already registered (version ${base.version}); publish without new`);
    const proposed: SubgraphInput = { name: subgraph, url, sdl };
    const check = await this.checkAgainst(current, proposed, DEFAULT_WINDOW_DAYS, base?.version ?? null);
    if (!check.composition.passed) return { published: false, version: null, supergraphId: null, check };
    // The same schema at the same URL again (a deploy that changed nothing here): already published, nothing written.
    if (base && normalized(base.sdl) === sdl && base.url === url) {
      const supergraphNow = await this.store.currentSupergraphId();
      if (supergraphNow !== null) return { published: true, version: base.version, supergraphId: supergraphNow, check };
    }

    const breakingChanges = check.changes.filter((c) => c.criticality === 'BREAKING').length;
    const outcome = await this.commit(request, [{ proposed, baseVersion: base?.version ?? null, author, commit, changes: check.changes.length, breakingChanges }]);
    if (!outcome) {
      // Another subgraph moved meanwhile and this one no longer composes with it: report against what is current now.
      return { published: false, version: null, supergraphId: null, check: await this.checkAgainst(await this.store.currentVersions(), proposed, DEFAULT_WINDOW_DAYS, base?.version ?? null) };
    }
    const version = outcome.versions.get(subgraph)!;
    this.deps.logger.info('subgraph published', { subgraph, version, supergraph: outcome.supergraphId, author, commit });
    return { published: true, version, supergraphId: outcome.supergraphId, check };
  }

  /**
   * Writes new versions of one or more subgraphs and the supergraph they compose, in one transaction under the
   * publish lock, with one audit event each; null (nothing written) when they do not compose with what is current.
   * CONFLICT when a subgraph is no longer at the version its publish started from.
   */
  private async commit(request: RequestContext, proposals: readonly Proposal[]): Promise<{ versions: Map<string, number>; supergraphId: string } | null> {
    const names = proposals.map((p) => p.proposed.name);
    const platform = this.deps.database.asPlatform(`schema registry: publish ${names.join(', ')}`, request);
    const events = RequestEvents.of(this.deps.events, platform, request);
    try {
      return await platform.run(async (manager) => {
        await this.store.lockPublishes(manager);
        // Read again under the lock (the statements join this unit of work).
        const now = await this.store.currentVersions();
        const versions = new Map<string, number>();
        for (const { proposed, baseVersion } of proposals) {
          const latest = now.find((v) => v.name === proposed.name)?.version ?? null;
          if (latest !== baseVersion) throw lostTo(proposed.name, latest);
          versions.set(proposed.name, (latest ?? 0) + 1);
        }
        const others = now.filter((v) => !versions.has(v.name));
        // Usually what the check composed with; a subgraph published meanwhile is composed in now.
        const composed = composeSubgraphs([...others.map(({ name, url, sdl }) => ({ name, url, sdl })), ...proposals.map((p) => p.proposed)]);
        if (!composed.ok) return null;
        const supergraphSdl = normalized(composed.supergraphSdl);
        const id = supergraphId(supergraphSdl);
        const composedFrom = [...others.map((v) => ({ name: v.name, version: v.version })), ...[...versions].map(([name, version]) => ({ name, version }))].sort((a, b) => a.name.localeCompare(b.name));
        for (const { proposed, author, commit, changes, breakingChanges } of proposals) {
          const version = versions.get(proposed.name)!;
          await this.store.insertVersion(manager, uuid7(), { name: proposed.name, version, url: proposed.url, sdl: proposed.sdl, author, commit });
          await events.record({
            type: 'schema.subgraph.published',
            aggregateType: 'Subgraph',
            aggregateId: proposed.name,
            tenantId: null,
            data: { subgraph: proposed.name, version, url: proposed.url, supergraphId: id, author, commit, changes, breakingChanges },
          });
        }
        await this.store.insertSupergraph(manager, { id, sdl: supergraphSdl, subgraphs: composedFrom });
        return { versions, supergraphId: id };
      });
    } catch (error) {
      // Another registry replica inserted the same version first (the lock makes it rare; the constraint makes it safe).
      if (isUniqueViolation(error)) {
        const current = await this.store.currentVersions();
        throw lostTo(names[0]!, current.find((v) => v.name === names[0])?.version ?? null);
      }
      throw error;
    }
  }

  /**
   * Seeds the registry with `subgraphs` (the running code's schemas) where they differ from the current versions:
   * an empty registry gets version 1 of each; with `sync`, a changed schema gets a new version too (the embedded
   * platform, whose subgraphs are the code in this process). Nothing is written when everything matches.
   */
  async seed(request: RequestContext, subgraphs: readonly SubgraphInput[], options: { sync: boolean; author: string }): Promise<void> {
    const current = await this.store.currentVersions();
    if (current.length > 0 && !options.sync) return;
    const proposals: Proposal[] = [];
    for (const subgraph of subgraphs) {
      const known = current.find((v) => v.name === subgraph.name);
      if (known && normalized(known.sdl) === normalized(subgraph.sdl)) continue;
      const proposed = { name: subgraph.name, url: known?.url ?? subgraph.url, sdl: normalized(subgraph.sdl) };
      proposals.push({ proposed, baseVersion: known?.version ?? null, author: options.author, commit: null, changes: 0, breakingChanges: 0 });
    }
    if (proposals.length === 0) return;
    // All at once: one supergraph with every subgraph, never one holding only the first.
    const outcome = await this.commit(request, proposals);
    if (!outcome) throw new Error(`the registry could not compose ${proposals.map((p) => p.proposed.name).join(', ')} from the running code with the other subgraphs' current versions`);
    this.deps.logger.info('subgraphs published from the running code', { subgraphs: Object.fromEntries(outcome.versions), supergraph: outcome.supergraphId, author: options.author });
  }

  /**
   * Registers a client's persisted operations (an Apollo manifest) for the safelist. Each is checked against the
   * current supergraph; one that does not validate refuses the whole manifest and nothing is stored. Registering an
   * operation again changes nothing. Audited.
   */
  async registerOperations(request: RequestContext, input: { clientName: string; manifest: string }): Promise<{ registered: number; alreadyKnown: number; problems: ManifestProblem[] }> {
    const clientName = validText('input.clientName', input.clientName, 200);
    if (Buffer.byteLength(input.manifest) > 16 * MAX_SDL_BYTES) throw errors.badInput('input.manifest', `must be at most ${16 * MAX_SDL_BYTES} bytes`);
    const supergraph = await this.store.currentSupergraph();
    if (!supergraph) throw errors.conflict('the registry has no supergraph yet: publish the subgraphs first');
    const schema = Supergraph.build(withoutSecurityFeatures(supergraph.sdl)).apiSchema().toGraphQLJSSchema();
    const { operations, problems } = readManifest(input.manifest, schema);
    if (problems.length > 0) return { registered: 0, alreadyKnown: 0, problems };
    const platform = this.deps.database.asPlatform(`schema registry: register operations of ${clientName}`, request);
    const events = RequestEvents.of(this.deps.events, platform, request);
    const by = `${request.principal.kind}:${request.principal.subject ?? '-'}`;
    const registered = await platform.run(async (manager) => {
      const added = await this.store.insertPersisted(manager, operations, clientName, by);
      await events.record({
        type: 'schema.operations.registered',
        aggregateType: 'PersistedOperations',
        aggregateId: clientName,
        tenantId: null,
        data: { clientName, operations: operations.length, registered: added, supergraphId: supergraph.id },
      });
      return added;
    });
    this.deps.logger.info('persisted operations registered', { clientName, registered, alreadyKnown: operations.length - registered });
    return { registered, alreadyKnown: operations.length - registered, problems: [] };
  }

  persistedOperations(): Promise<SafelistedOperation[]> {
    return this.store.persisted();
  }

  persistedOperationCount(): Promise<number> {
    return this.store.persistedCount();
  }

  /** A gateway's batch of operation uses (never variable values: signatures have their literals stripped). */
  async recordOperations(uses: readonly OperationUse[]): Promise<number> {
    await this.store.recordUses(uses);
    return uses.length;
  }

  private async checkAgainst(current: readonly SubgraphVersion[], proposed: SubgraphInput, windowDays: number, baseVersion: number | null): Promise<SchemaCheck> {
    const since = new Date((this.deps.now?.() ?? new Date()).getTime() - (windowDays - 1) * 86_400_000);
    const operations = await this.store.operationsSince(dayOf(since));
    const report = await runCheck({ current: current.map(({ name, url, sdl }) => ({ name, url, sdl })), proposed, operations, windowDays });
    return { ...report, subgraph: proposed.name, baseVersion };
  }

  private async known(name: string): Promise<void> {
    const current = await this.store.currentVersions();
    if (!current.some((v) => v.name === name)) throw this.unknown(name, current);
  }

  private unknown(name: string, current: readonly SubgraphVersion[]): LatticeError {
    const names = current.map((v) => v.name).join(', ') || 'none yet';
    return new LatticeError('NOT_FOUND', `unknown subgraph ${JSON.stringify(name.slice(0, 64))}; the registry knows ${names} (publish with new: true to register one)`);
  }
}

function lostTo(subgraph: string, currentVersion: number | null): LatticeError {
  return new LatticeError('CONFLICT', `another publish of ${subgraph} won: it is at version ${currentVersion ?? 'none'} now; check against it and publish again`, { currentVersion });
}

/** A subgraph version's schema as clients would see its part: federation's own types and directives left out. */
function subgraphApiSchema(version: SubgraphVersion) {
  const supergraph = composeSubgraphs([{ name: version.name, url: version.url, sdl: version.sdl }]);
  if (supergraph.ok) return supergraph.apiSchema;
  // A version that composed with others but not alone (it uses their types): its own schema, as a last resort.
  return buildSubgraphSchema({ typeDefs: parse(version.sdl) });
}

function validName(field: string, value: string): string {
  const name = value.trim();
  if (!SUBGRAPH_NAME.test(name)) throw errors.badInput(field, 'must be 1 to 63 characters: lowercase letters, digits, _ or -, starting with a letter');
  return name;
}

function validSdl(field: string, value: string): string {
  if (Buffer.byteLength(value) > MAX_SDL_BYTES) throw errors.badInput(field, `must be at most ${MAX_SDL_BYTES} bytes`);
  if (value.trim() === '') throw errors.badInput(field, 'is empty');
  try {
    parse(value);
  } catch (error) {
    throw errors.badInput(field, `does not parse: ${(error as Error).message}`);
  }
  return normalized(value);
}

function validUrl(field: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw errors.badInput(field, 'must be an http(s) URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw errors.badInput(field, 'must be an http(s) URL');
  if (url.username || url.password) throw errors.badInput(field, 'must not carry credentials');
  return url.toString();
}

function validText(field: string, value: string, max: number): string {
  const text = value.trim();
  if (text === '') throw errors.badInput(field, 'is empty');
  if (text.length > max) throw errors.badInput(field, `must be at most ${max} characters`);
  return text;
}

function validWindow(field: string, value: number | null | undefined): number {
  if (value === null || value === undefined) return DEFAULT_WINDOW_DAYS;
  if (!Number.isInteger(value) || value < 1 || value > MAX_WINDOW_DAYS) throw errors.badInput(field, `must be 1 to ${MAX_WINDOW_DAYS} days`);
  return value;
}
