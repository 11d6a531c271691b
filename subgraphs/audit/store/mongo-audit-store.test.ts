import { randomBytes } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { describeAuditStoreContract, type AuditStoreHarness } from './audit-store.contract';
import { AUDIT_LOGS, MongoAuditStore, type AuditLogDocument } from './mongo-audit-store';

const mongoUrl = process.env.MONGO_URL;
if (!mongoUrl) process.stdout.write('MongoAuditStore contract SKIPPED: MONGO_URL is not set (no MongoDB server here)\n');
const describeWithMongo = mongoUrl ? describe : describe.skip;

/** A database of its own (named for this run, dropped afterwards) on the server at MONGO_URL. */
async function mongoHarness(url: string): Promise<AuditStoreHarness> {
  const database = `lattice_test_audit_${randomBytes(4).toString('hex')}`;
  const admin = await new MongoClient(url).connect();
  const stores: MongoAuditStore[] = [];
  return {
    async openStore() {
      const store = await MongoAuditStore.connect(url, { database });
      stores.push(store);
      return store;
    },
    async tamper(eventId) {
      await admin.db(database).collection<AuditLogDocument>(AUDIT_LOGS).updateOne({ _id: eventId }, { $set: { 'details.tampered': true } });
    },
    async close() {
      // A store closed twice (by a test, then here) is fine: MongoClient.close is idempotent.
      await Promise.all(stores.map((store) => store.close()));
      await admin.db(database).dropDatabase();
      await admin.close();
    },
  };
}

describeWithMongo('MongoAuditStore (MONGO_URL)', () => {
  describeAuditStoreContract('MongoAuditStore', () => mongoHarness(mongoUrl!));
});
