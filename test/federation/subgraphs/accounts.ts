import { parse } from 'graphql';
import type { ForeignSubgraphDefinition } from '../../foreign/foreign-subgraph';
import { ORGANIZATIONS, USERS, type UserRecord } from './catalog-data';
import { federationLink } from './link';

interface UserKey {
  id: string;
  organization: { id: string };
}

const user = (key: UserKey) => USERS.find((u) => u.id === key.id && u.organizationId === key.organization.id) ?? null;

/** Accounts: owns `Organization` and `User`, whose key `id organization { id }` nests: a user id is unique only within its organization. */
export const accountsSubgraph: ForeignSubgraphDefinition = {
  name: 'accounts',
  typeDefs: parse(`
    ${federationLink('@key')}

    type Query {
      me: User
      organizations: [Organization!]!
    }

    type Organization @key(fields: "id") {
      id: ID!
      name: String!
    }

    type User @key(fields: "id organization { id }") {
      id: ID!
      organization: Organization!
      name: String!
    }
  `),
  resolvers: {
    Query: {
      // The signed-in user, fixed: (u1, o2), whose id is also Ann's in o1.
      me: () => USERS[2],
      organizations: () => ORGANIZATIONS,
    },
    Organization: {
      __resolveReference: (reference: { id: string }) => ORGANIZATIONS.find((o) => o.id === reference.id) ?? null,
    },
    User: {
      __resolveReference: (reference: UserKey) => user(reference),
      organization: (u: UserRecord | UserKey) => ORGANIZATIONS.find((o) => o.id === ('organizationId' in u ? u.organizationId : u.organization.id)),
    },
  },
};
