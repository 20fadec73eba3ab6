// Builds the PGlite test templates (migrated; migrated and seeded) into the directory given as
// the argument. scripts/run-tests.mjs runs this once before the test processes, which then load
// the dumps instead of each migrating and seeding a database of its own.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { buildPgliteTemplate, pgliteTemplateFile } from './test-database.ts';

const dir = process.argv[2];
if (!dir) throw new Error('usage: build-test-templates.ts <directory>');
for (const seeded of [false, true]) {
  const dump = await buildPgliteTemplate(seeded);
  await writeFile(path.join(dir, pgliteTemplateFile(seeded)), Buffer.from(await dump.arrayBuffer()));
}
