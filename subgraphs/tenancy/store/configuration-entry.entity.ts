import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One configuration value at one scope; unique per (level, scope_id, key), GLOBAL entries having no scope_id. */
@Entity({ name: 'configuration_entries' })
export class ConfigurationEntryEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  /** GLOBAL, TENANT, ORGANIZATION or DEPARTMENT. */
  @Column({ type: 'text' })
  level!: string;

  /** The tenant, organization or department id; null for GLOBAL. */
  @Column({ name: 'scope_id', type: 'uuid', nullable: true })
  scopeId!: string | null;

  /** The scope's tenant, kept so a tenant's entries can be found without walking the hierarchy; null for GLOBAL. */
  @Column({ name: 'tenant_id', type: 'uuid', nullable: true })
  tenantId!: string | null;

  @Column({ type: 'text' })
  key!: string;

  @Column({ type: 'jsonb' })
  value!: unknown;

  @Column({ type: 'integer' })
  version!: number;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

  /** The subject (user id, or system caller) that wrote the current value. */
  @Column({ name: 'updated_by', type: 'text', nullable: true })
  updatedBy!: string | null;
}
