import { createHash } from 'node:crypto';
import { usageReportingSignature } from '@apollo/utils.usagereporting';
import {
  type DocumentNode,
  type GraphQLNamedType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type TypeNode,
  getNamedType,
  getOperationAST,
  isEnumType,
  isInputObjectType,
  Kind,
  separateOperations,
  TypeInfo,
  visit,
  visitWithTypeInfo,
} from 'graphql';

/** One operation as the registry keeps it: never its text or variables, only its shape and what it touches. */
export interface RecordedOperation {
  signatureHash: string;
  operationName: string | null;
  clientName: string | null;
  clientVersion: string | null;
  count: number;
  /** YYYY-MM-DD (UTC) of the last execution seen, so checks can look back over a window of days. */
  lastSeen: string;
  /** What {@link operationCoordinates} computed for it against the schema it ran on. */
  coordinates: readonly string[];
}

/**
 * The operation's normalized signature (Apollo's usage-reporting form: unused definitions dropped, aliases
 * removed, selections and arguments sorted, whitespace reduced) and its sha256. String, number, list and
 * object literals are replaced by empty ones, so no argument or variable value a client sent is ever stored;
 * enum, boolean and null literals stay, as they are part of the schema's shape rather than user data.
 */
export function operationSignature(document: DocumentNode, operationName: string | null): { signature: string; hash: string } {
  const operation = selectOperation(document, operationName);
  // Apollo keys anonymous operations by '' (as graphql's separateOperations does).
  const signature = usageReportingSignature(document, operation.name?.value ?? '');
  return { signature, hash: createHash('sha256').update(signature).digest('hex') };
}

/**
 * The schema coordinates the operation depends on, sorted and unique, so a schema check can tell which
 * operations a change would break:
 * - `Parent.field` for every selected field (the parent as seen at that point: object, interface or union
 *   member), through named and inline fragments; `__typename` and introspection are not schema surface;
 * - `Parent.field.arg` for every argument passed to a field;
 * - `Input.field` for every input-object field and `Enum.VALUE` for every enum value written as a literal;
 * - for every variable, the named type it is declared with and every input object, enum and scalar reachable
 *   through that type's input fields: the values are never seen, so any part of the type may be in use.
 * Only the chosen operation and the fragments it spreads are considered.
 */
export function operationCoordinates(schema: GraphQLSchema, document: DocumentNode, operationName: string | null): string[] {
  const operation = selectOperation(document, operationName);
  const reachable = separateOperations(document)[operation.name?.value ?? ''] ?? document;
  const coordinates = new Set<string>();
  const typeInfo = new TypeInfo(schema);

  visit(
    reachable,
    visitWithTypeInfo(typeInfo, {
      VariableDefinition(node) {
        const declared = schema.getType(namedTypeName(node.type));
        if (declared) addInputClosure(declared, coordinates);
        else coordinates.add(namedTypeName(node.type));
      },
      Field(node) {
        const parent = typeInfo.getParentType();
        if (!parent || isIntrospection(parent.name) || isIntrospection(node.name.value)) return;
        coordinates.add(`${parent.name}.${node.name.value}`);
      },
      Argument(node) {
        // Directive arguments (@include(if:)) are not part of any subgraph's schema.
        if (typeInfo.getDirective()) return;
        const parent = typeInfo.getParentType();
        const field = typeInfo.getFieldDef();
        if (!parent || !field || isIntrospection(parent.name) || isIntrospection(field.name)) return;
        coordinates.add(`${parent.name}.${field.name}.${node.name.value}`);
      },
      ObjectField(node) {
        const parentInput = typeInfo.getParentInputType();
        const input = parentInput ? getNamedType(parentInput) : null;
        if (input && isInputObjectType(input)) coordinates.add(`${input.name}.${node.name.value}`);
      },
      EnumValue(node) {
        const inputType = typeInfo.getInputType();
        const enumType = inputType ? getNamedType(inputType) : null;
        if (enumType && isEnumType(enumType)) coordinates.add(`${enumType.name}.${node.value}`);
      },
    }),
  );
  return [...coordinates].sort();
}

/**
 * Whether a change at `path` (graphql-inspector's `change.path`: `Type`, `Type.field`, `Type.field.arg`,
 * `Enum.VALUE`, `Input.field`) can affect the operation. It does when the operation uses that coordinate
 * itself, or something below it (`User` covers `User.email`; `Query.user` covers `Query.user.id`), or when
 * `path` is a member `X.Y` of a type `X` that one of its variables is declared with: a variable's value is
 * never recorded, so any value or field of its type may be in it.
 */
export function usesCoordinate(operation: RecordedOperation, path: string): boolean {
  const prefix = `${path}.`;
  const segments = path.split('.');
  const typeOfMember = segments.length === 2 ? segments[0] : undefined;
  return operation.coordinates.some((coordinate) => coordinate === path || coordinate.startsWith(prefix) || coordinate === typeOfMember);
}

function selectOperation(document: DocumentNode, operationName: string | null): OperationDefinitionNode {
  const operation = getOperationAST(document, operationName);
  if (!operation) {
    const wanted = operationName === null ? 'exactly one operation when no operation name is given' : `an operation named "${operationName}"`;
    throw new Error(`document must contain ${wanted}`);
  }
  return operation;
}

function namedTypeName(type: TypeNode): string {
  return type.kind === Kind.NAMED_TYPE ? type.name.value : namedTypeName(type.type);
}

function isIntrospection(name: string): boolean {
  return name.startsWith('__');
}

/** Adds `type` and, for an input object, every named type its fields reach (guarding against cycles). */
function addInputClosure(type: GraphQLNamedType, into: Set<string>): void {
  if (into.has(type.name)) return;
  into.add(type.name);
  if (!isInputObjectType(type)) return;
  for (const field of Object.values(type.getFields())) addInputClosure(getNamedType(field.type), into);
}
