import {
  Kind,
  OperationTypeNode,
  parse,
  type ConstDirectiveNode,
  type ConstValueNode,
  type DefinitionNode,
  type DocumentNode,
  type EnumTypeDefinitionNode,
  type EnumTypeExtensionNode,
  type FieldDefinitionNode,
  type InterfaceTypeDefinitionNode,
  type InterfaceTypeExtensionNode,
  type ObjectTypeDefinitionNode,
  type ObjectTypeExtensionNode,
  type ScalarTypeDefinitionNode,
  type ScalarTypeExtensionNode,
  type TypeNode,
} from 'graphql';
import { securityFeaturesOf, type SecurityFeatures } from '../supergraph/security-features';
import { combine, type Requirement, type ScopeAlternatives } from './requirement';

/** One field of the supergraph as the per-request walk needs it. */
export interface FieldEntry {
  /** `Type.field`, for messages. */
  readonly coordinate: string;
  /** The named type it returns (lists and non-null unwrapped): where the walk continues. */
  readonly returnType: string;
  /** The field's own requirement with its return type's; null when anyone may select it. */
  readonly requirement: Requirement | null;
}

const TYPE_KINDS: ReadonlySet<Kind> = new Set([
  Kind.OBJECT_TYPE_DEFINITION,
  Kind.OBJECT_TYPE_EXTENSION,
  Kind.INTERFACE_TYPE_DEFINITION,
  Kind.INTERFACE_TYPE_EXTENSION,
  Kind.SCALAR_TYPE_DEFINITION,
  Kind.SCALAR_TYPE_EXTENSION,
  Kind.ENUM_TYPE_DEFINITION,
  Kind.ENUM_TYPE_EXTENSION,
]);

/** The definitions federation's security directives may sit on. */
type GuardableType =
  | ObjectTypeDefinitionNode
  | ObjectTypeExtensionNode
  | InterfaceTypeDefinitionNode
  | InterfaceTypeExtensionNode
  | ScalarTypeDefinitionNode
  | ScalarTypeExtensionNode
  | EnumTypeDefinitionNode
  | EnumTypeExtensionNode;

const isGuardable = (definition: DefinitionNode): definition is GuardableType => TYPE_KINDS.has(definition.kind);

function namedType(type: TypeNode): string {
  return type.kind === Kind.NAMED_TYPE ? type.name.value : namedType(type.type);
}

/** A GraphQL list input also accepts a single item: `scopes: "a"` is `[["a"]]`. */
function listOf(value: ConstValueNode): readonly ConstValueNode[] {
  return value.kind === Kind.LIST ? value.values : [value];
}

function scopesOf(directive: ConstDirectiveNode, where: string): ScopeAlternatives {
  const argument = directive.arguments?.find((a) => a.name.value === 'scopes');
  if (!argument) throw new Error(`@${directive.name.value} on ${where} has no scopes`);
  return listOf(argument.value).map((all) =>
    listOf(all).map((scope) => {
      if (scope.kind !== Kind.STRING) throw new Error(`@${directive.name.value} on ${where}: scopes must be strings`);
      return scope.value;
    }),
  );
}

function requirementOf(directives: readonly ConstDirectiveNode[] | undefined, features: SecurityFeatures, where: string): Requirement | null {
  let requirement: Requirement | null = null;
  for (const directive of directives ?? []) {
    const name = directive.name.value;
    if (name === features.authenticated) requirement = combine(requirement, { authenticated: true, scopes: [] });
    else if (name === features.requiresScopes) requirement = combine(requirement, { authenticated: true, scopes: [scopesOf(directive, where)] });
  }
  return requirement;
}

/**
 * Every field's `@authenticated` / `@requiresScopes` requirement, read once from the supergraph the gateway serves,
 * so a request only looks entries up. Type-level directives apply to every field returning that type, and to
 * fragments whose type condition names it; a root type's apply to its fields.
 */
export class FieldRequirements {
  private constructor(
    private readonly fields: ReadonlyMap<string, ReadonlyMap<string, FieldEntry>>,
    private readonly types: ReadonlyMap<string, Requirement>,
    private readonly roots: Readonly<Record<OperationTypeNode, string>>,
  ) {}

  static fromSupergraph(supergraph: string | DocumentNode): FieldRequirements {
    const document = typeof supergraph === 'string' ? parse(supergraph) : supergraph;
    const features = securityFeaturesOf(document);
    const roots: Record<OperationTypeNode, string> = {
      [OperationTypeNode.QUERY]: 'Query',
      [OperationTypeNode.MUTATION]: 'Mutation',
      [OperationTypeNode.SUBSCRIPTION]: 'Subscription',
    };
    const types = new Map<string, Requirement>();
    const fieldsByType = new Map<string, FieldDefinitionNode[]>();
    for (const definition of document.definitions) {
      if (definition.kind === Kind.SCHEMA_DEFINITION || definition.kind === Kind.SCHEMA_EXTENSION) {
        for (const root of definition.operationTypes ?? []) roots[root.operation] = root.type.name.value;
      }
      if (!isGuardable(definition)) continue;
      const typeName = definition.name.value;
      const requirement = combine(types.get(typeName), requirementOf(definition.directives, features, typeName));
      if (requirement) types.set(typeName, requirement);
      if ('fields' in definition && definition.fields) fieldsByType.set(typeName, [...(fieldsByType.get(typeName) ?? []), ...definition.fields]);
    }
    const rootNames = new Set(Object.values(roots));
    const fields = new Map<string, Map<string, FieldEntry>>();
    for (const [typeName, definitions] of fieldsByType) {
      const entries = new Map<string, FieldEntry>();
      for (const field of definitions) {
        const coordinate = `${typeName}.${field.name.value}`;
        const returnType = namedType(field.type);
        let requirement = combine(requirementOf(field.directives, features, coordinate), types.get(returnType));
        // Nothing returns a root type, so its own directives guard its fields.
        if (rootNames.has(typeName)) requirement = combine(requirement, types.get(typeName));
        entries.set(field.name.value, { coordinate, returnType, requirement });
      }
      fields.set(typeName, entries);
    }
    return new FieldRequirements(fields, types, roots);
  }

  field(typeName: string, fieldName: string): FieldEntry | undefined {
    return this.fields.get(typeName)?.get(fieldName);
  }

  /** The requirement a fragment's type condition adds (an implementation of an interface, a member of a union). */
  ofType(typeName: string): Requirement | undefined {
    return this.types.get(typeName);
  }

  rootType(operation: OperationTypeNode): string {
    return this.roots[operation];
  }

  /** How many fields carry a requirement, for the startup log. */
  get guardedFieldCount(): number {
    let count = 0;
    for (const entries of this.fields.values()) for (const entry of entries.values()) if (entry.requirement) count += 1;
    return count;
  }
}
