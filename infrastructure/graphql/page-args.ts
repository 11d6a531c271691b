import { ArgsType, Field, Int } from 'type-graphql';

/** Relay forward-pagination arguments, in the order clients read them. */
@ArgsType()
export class PageArgs {
  @Field(() => Int, { nullable: true, description: 'How many items, 1 to 100 (default 20).' })
  first?: number | null;

  @Field(() => String, { nullable: true, description: 'The endCursor of the previous page.' })
  after?: string | null;
}
