import { ArgsType, Field, ID, InputType, Int } from 'type-graphql';
import { PageArgs } from '../../../infrastructure/graphql/page-args';

@InputType()
export class CreateOrganizationInput {
  @Field(() => String)
  name!: string;

  @Field(() => ID, { nullable: true, description: "Defaults to the caller's tenant; platform admins name one." })
  tenantId?: string | null;
}

@InputType()
export class RenameOrganizationInput {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;

  @Field(() => Int, { description: 'The version you read; a stale one is CONFLICT.' })
  expectedVersion!: number;
}

@InputType()
export class ArchiveOrganizationInput {
  @Field(() => ID)
  id!: string;

  @Field(() => Int, { nullable: true })
  expectedVersion?: number | null;
}

@InputType()
export class CreateDepartmentInput {
  @Field(() => ID)
  organizationId!: string;

  @Field(() => String)
  name!: string;

  @Field(() => ID, { nullable: true, description: 'Omit for a top-level department.' })
  parentId?: string | null;
}

@InputType()
export class MoveDepartmentInput {
  @Field(() => ID)
  id!: string;

  @Field(() => ID, { nullable: true, description: 'The new parent in the same organization; null moves it to the top.' })
  parentId?: string | null;

  @Field(() => Int, { nullable: true })
  expectedVersion?: number | null;
}

@InputType()
export class ArchiveDepartmentInput {
  @Field(() => ID)
  id!: string;

  @Field(() => Int, { nullable: true })
  expectedVersion?: number | null;
}

@ArgsType()
export class ListArgs extends PageArgs {
  @Field(() => Boolean, { nullable: true, description: 'Include archived ones (default false).' })
  includeArchived?: boolean | null;
}

@ArgsType()
export class OrganizationsArgs extends ListArgs {
  @Field(() => ID, { nullable: true, description: "Defaults to the caller's tenant; another needs platform:admin." })
  tenantId?: string | null;
}

@ArgsType()
export class DepartmentsArgs extends ListArgs {
  @Field(() => ID)
  organizationId!: string;
}
