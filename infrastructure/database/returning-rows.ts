import type { EntityManager } from 'typeorm';

/**
 * The rows a statement with RETURNING produced. TypeORM answers UPDATE and DELETE with [rows, affectedCount] on
 * PostgreSQL, and INSERT or SELECT with the rows alone.
 */
export async function returningRows<R>(manager: EntityManager, sql: string, parameters: unknown[]): Promise<R[]> {
  const result = await manager.query<R[] | [R[], number]>(sql, parameters);
  return Array.isArray(result[0]) ? result[0] : (result as R[]);
}
