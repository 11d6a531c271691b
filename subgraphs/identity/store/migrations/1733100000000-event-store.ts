import type { MigrationInterface, QueryRunner } from 'typeorm';
import { createEventStoreTables, dropEventStoreTables } from '../../../../infrastructure/events/outbox/event-store-schema';

/** The event store, which is also the transactional outbox: events commit with the change they describe. */
export class IdentityEventStore1733100000000 implements MigrationInterface {
  name = 'IdentityEventStore1733100000000';

  async up(q: QueryRunner): Promise<void> {
    await createEventStoreTables(q);
  }

  async down(q: QueryRunner): Promise<void> {
    await dropEventStoreTables(q);
  }
}
