import { AsyncLocalStorage } from 'node:async_hooks';
import type { DataSource, EntityManager } from 'typeorm';
import type { RequestContext } from '../context/request-context';
import type { Logger } from '../logging/logger';
import { APP_ROLE, SCOPE_SETTING, TENANT_SETTING } from './row-level-security';

/** Whose rows a unit of work may see: one tenant's, every tenant's (audited platform work), or none. */
export type RowScope = { kind: 'tenant'; tenantId: string } | { kind: 'platform'; reason: string } | { kind: 'none' };

interface OpenUnit {
  dataSource: DataSource;
  scope: RowScope;
  manager: EntityManager;
  /** Run once the unit's transaction has committed (never after a rollback). */
  afterCommit: (() => void)[];
}

/**
 * Asks for `callback` to run once the unit of work the caller is inside has committed; outside a unit of work it
 * runs at once. For wake-ups of other components (the outbox relay): the callback must not throw or await.
 */
export function afterCommit(callback: () => void): void {
  const open = openUnits.getStore();
  if (open) open.afterCommit.push(callback);
  else callback();
}

/** The unit of work the current async call chain is inside, so nested store calls join it instead of opening another. */
const openUnits = new AsyncLocalStorage<OpenUnit>();

/**
 * A subgraph's database, handed out only by row scope. Stores never see the DataSource: every statement they run
 * goes through a ScopedDatabase, whose transactions run as the unprivileged APP_ROLE with the scope in
 * transaction-local settings that the row-level security policies read.
 */
export class TenantDatabase {
  constructor(
    private readonly dataSource: DataSource,
    private readonly logger: Logger,
  ) {}

  forTenant(tenantId: string): ScopedDatabase {
    return new ScopedDatabase(this.dataSource, { kind: 'tenant', tenantId }, null);
  }

  /**
   * Platform-scope work sees every tenant's rows. It is the one bypass, so every use names its reason and who
   * asked, and each unit of work it runs is logged.
   */
  asPlatform(reason: string, on?: Pick<RequestContext, 'requestId' | 'principal'>): ScopedDatabase {
    const audit = { reason, requestId: on?.requestId ?? null, principal: on ? `${on.principal.kind}:${on.principal.subject ?? '-'}` : 'service' };
    return new ScopedDatabase(this.dataSource, { kind: 'platform', reason }, () => this.logger.info('platform-scope database access', audit));
  }

  /** Sees nothing tenant-owned: what anonymous work gets. */
  unscoped(): ScopedDatabase {
    return new ScopedDatabase(this.dataSource, { kind: 'none' }, null);
  }

  /**
   * The scope a verified request works in: its tenant for tenant principals; platform scope for platform users
   * and for SYSTEM calls (signed by a Lattice service, e.g. the gateway asking for a tenant's status); nothing
   * for anonymous callers.
   */
  forRequest(request: RequestContext): ScopedDatabase {
    const { principal } = request;
    if (principal.tenantId) return this.forTenant(principal.tenantId);
    if (principal.kind === 'SYSTEM') return this.asPlatform(`system call from ${principal.subject ?? 'unknown'}`, request);
    if (principal.kind === 'USER') return this.asPlatform('platform user request', request);
    return this.unscoped();
  }
}

export class ScopedDatabase {
  private audited = false;

  constructor(
    private readonly dataSource: DataSource,
    readonly scope: RowScope,
    private readonly audit: (() => void) | null,
  ) {}

  /**
   * Runs `work` in one transaction as APP_ROLE with this scope set. Called inside another unit of work of the same
   * database it joins that one (one connection, one transaction: PGlite would wait forever on a second). Joining
   * a unit of another scope is a programming error and fails loudly.
   */
  async run<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    const open = openUnits.getStore();
    if (open && open.dataSource === this.dataSource) {
      if (!sameScope(open.scope, this.scope)) throw new Error(`a ${this.scope.kind}-scope unit of work cannot join an open ${open.scope.kind}-scope one`);
      return work(open.manager);
    }
    if (this.audit && !this.audited) {
      this.audited = true;
      this.audit();
    }
    const callbacks: (() => void)[] = [];
    const result = await this.dataSource.transaction(async (manager) => {
      await manager.query(`SELECT set_config('role', $1, true), set_config('${TENANT_SETTING}', $2, true), set_config('${SCOPE_SETTING}', $3, true)`, [
        APP_ROLE,
        this.scope.kind === 'tenant' ? this.scope.tenantId : '',
        this.scope.kind,
      ]);
      return openUnits.run({ dataSource: this.dataSource, scope: this.scope, manager, afterCommit: callbacks }, () => work(manager));
    });
    for (const callback of callbacks) callback();
    return result;
  }

  /**
   * Joins the unit of work already open on this database whatever its scope, or runs in a new one of this scope.
   * For writes that belong to whatever change is being made (the event store's append), so they commit with it;
   * row-level security of that unit's scope applies to them.
   */
  async joinOrRun<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    const open = openUnits.getStore();
    if (open && open.dataSource === this.dataSource) return work(open.manager);
    return this.run(work);
  }

  /** One statement in its own unit of work (or the open one). */
  query<T>(sql: string, parameters?: unknown[]): Promise<T> {
    return this.run((manager) => manager.query<T>(sql, parameters));
  }
}

function sameScope(a: RowScope, b: RowScope): boolean {
  if (a.kind === 'tenant' && b.kind === 'tenant') return a.tenantId === b.tenantId;
  return a.kind === b.kind;
}
