// Validates every operation in examples/operations against the schema the
// server serves (introspection) and against the committed schema.graphql, so
// neither the operations nor the committed file can drift from the server.
// Env: GRAPHQL_URL, COMPANY_TOKEN.
import { readdirSync, readFileSync } from 'node:fs';
import { buildClientSchema, buildSchema, getIntrospectionQuery, parse, validate } from 'graphql';

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
console.log(`${files.length} files, ${operations} operations validated against the served and the committed schema`);
process.exit(failed ? 1 : 0);
