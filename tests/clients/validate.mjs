// Validates every operation in examples/operations, and every operation in
// README's graphql blocks, against the schema the server serves
// (introspection) and against the committed schema.graphql, so neither the
// operations, the walkthroughs nor the committed file can drift from the
// server.
// Env: GRAPHQL_URL, COMPANY_TOKEN.
import { readdirSync, readFileSync } from 'node:fs';
import { Kind, buildClientSchema, buildSchema, getIntrospectionQuery, parse, validate } from 'graphql';

const url = process.env.GRAPHQL_URL;
const res = await fetch(url, {
  method: 'POST',
  headers: { 'content-type': 'application/json', authorization: `Bearer ${process.env.COMPANY_TOKEN}` },
  body: JSON.stringify({ query: getIntrospectionQuery() }),
});
const body = await res.json();
if (body.errors) throw new Error(JSON.stringify(body.errors));
const served = buildClientSchema(body.data);
const committed = buildSchema(readFileSync(new URL('../../schema.graphql', import.meta.url), 'utf8'));

const dir = new URL('../../examples/operations/', import.meta.url);
const files = readdirSync(dir).filter((f) => f.endsWith('.graphql')).sort();
let failed = 0;
let operations = 0;
for (const file of files) {
  const doc = parse(readFileSync(new URL(file, dir), 'utf8'));
  operations += doc.definitions.filter((d) => d.kind === 'OperationDefinition').length;
  for (const [name, schema] of [['served', served], ['committed', committed]]) {
    const errors = validate(schema, doc);
    for (const e of errors) {
      failed += 1;
      console.error(`${file} against the ${name} schema: ${e.message}`);
    }
  }
}
// README's blocks hold one operation a line, anonymous ones among named ones:
// each is validated as a document of its own.
const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const blocks = [...readme.matchAll(/```graphql\n([\s\S]*?)```/g)].map((m) => m[1]);
let documented = 0;
for (const block of blocks) {
  const doc = parse(block);
  const fragments = doc.definitions.filter((d) => d.kind === Kind.FRAGMENT_DEFINITION);
  for (const op of doc.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION)) {
    documented += 1;
    const one = { kind: Kind.DOCUMENT, definitions: [op, ...fragments] };
    for (const [name, schema] of [['served', served], ['committed', committed]]) {
      for (const e of validate(schema, one)) {
        failed += 1;
        console.error(`README (${block.split('\n')[0].slice(0, 60)}…) against the ${name} schema: ${e.message}`);
      }
    }
  }
}
if (documented === 0) {
  failed += 1;
  console.error('README has no graphql blocks');
}
console.log(`${files.length} files, ${operations} operations and ${documented} README operations validated against the served and the committed schema`);
process.exit(failed ? 1 : 0);
