import { Column, Entity, PrimaryColumn } from 'typeorm';

export type UserStatusValue = 'ACTIVE' | 'SUSPENDED' | 'DEACTIVATED' | 'DELETED';

@Entity({ name: 'users' })
export class UserEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  /** Null for platform users (platform admins), who belong to no tenant. */
  @Column({ name: 'tenant_id', type: 'uuid', nullable: true })
  tenantId!: string | null;

  @Column({ name: 'organization_id', type: 'uuid', nullable: true })
  organizationId!: string | null;

  @Column({ name: 'department_id', type: 'uuid', nullable: true })
  departmentId!: string | null;

  @Column({ type: 'text' })
  email!: string;

  @Column({ name: 'email_normalized', type: 'text' })
  emailNormalized!: string;

  @Column({ name: 'display_name', type: 'text' })
  displayName!: string;

  @Column({ name: 'password_hash', type: 'text' })
  passwordHash!: string;

  @Column({ type: 'text' })
  status!: UserStatusValue;

  @Column({ type: 'text', array: true })
  roles!: string[];

  @Column({ type: 'integer' })
  version!: number;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
