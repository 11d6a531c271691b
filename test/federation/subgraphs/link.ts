/** The `@link` every subgraph of the suite starts with: federation 2.7 (for `@override`, `@interfaceObject`), directives imported by name. */
export function federationLink(...directives: readonly string[]): string {
  return `extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: [${directives.map((d) => JSON.stringify(d)).join(', ')}])`;
}
