import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/** The two functions scripts/gen-schema.mjs exports (plain JS, so typed here). */
interface GenSchemaModule {
  generateSchema(): Record<string, unknown>;
  generateValidator(schema: Record<string, unknown>): string;
  generateAttributeTypes(schema: Record<string, unknown>): string;
}
// A URL rather than a literal specifier: the compiler would look for declarations of the
// .mjs file, which plain scripts do not ship.
const { generateSchema, generateValidator, generateAttributeTypes } = (await import(
  new URL('../../scripts/gen-schema.mjs', import.meta.url).href
)) as GenSchemaModule;

// Pins "the types are the single source of truth": editing src/model/events.ts without
// running `npm run gen:schema` fails here, not in a user's validator.
const read = (path: string): string => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

describe('generated schema and validator', () => {
  const schema = generateSchema();

  it('schema/event.schema.json equals a fresh generation from src/model/events.ts', () => {
    expect(JSON.parse(read('schema/event.schema.json'))).toEqual(schema);
  });

  it('src/model/generated/validate-event.js equals generateValidator(generateSchema())', () => {
    expect(read('src/model/generated/validate-event.js')).toBe(generateValidator(schema));
  });

  it('src/model/generated/attribute-types.js equals generateAttributeTypes(generateSchema())', () => {
    expect(read('src/model/generated/attribute-types.js')).toBe(generateAttributeTypes(schema));
  });

  it('the package exports the schema file', () => {
    const pkg = JSON.parse(read('package.json')) as { exports: Record<string, unknown> };
    expect(pkg.exports['./schema/event.schema.json']).toBe('./schema/event.schema.json');
  });
});
