import type { MigrationInterface, QueryRunner } from 'typeorm';
import { addEventTraceContext, dropEventTraceContext } from '../../../../infrastructure/events/outbox/event-store-schema';

/** The outbox keeps each event's trace context, so its consumers continue the trace of the request that wrote it. */
export class IdentityEventTraceContext1765000000000 implements MigrationInterface {
  name = 'IdentityEventTraceContext1765000000000';

  async up(q: QueryRunner): Promise<void> {
    await addEventTraceContext(q);
  }

  async down(q: QueryRunner): Promise<void> {
    await dropEventTraceContext(q);
  }
}
