import { Directive, Field, ObjectType } from 'type-graphql';

/** Relay's PageInfo; every subgraph returns it, so it is shareable in the supergraph. */
@Directive('@shareable')
@ObjectType()
export class PageInfo {
  @Field(() => Boolean)
  hasNextPage!: boolean;

  @Field(() => String, { nullable: true })
  endCursor!: string | null;
}
