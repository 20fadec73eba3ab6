#!/usr/bin/env node
// Runs the test suite with Node's own test runner (TypeScript through tsx).
//   node scripts/run-tests.mjs            unit and integration tests (src/**/test, test/*)
//   node scripts/run-tests.mjs --browser  browser journeys (test/browser) in Debian's Chromium
//   extra arguments are file filters:     npm test -- audit
//   --isolate                             every test file in a process of its own
// With DATABASE_URL set, the same tests run against PostgreSQL instead of PGlite.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const args = process.argv.slice(2);
const browser = args.includes('--browser');
const filters = args.filter((a) => !a.startsWith('--'));

function find(dir, out = []) {
  if (!fs.existsSync(dir)) return out;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules') find(full, out);
    } else if (entry.name.endsWith('.test.ts') || entry.name.endsWith('.test.tsx')) {
      out.push(full);
    }
  }
  return out;
}

const all = [...find('src'), ...find('test')].sort();
const files = all
  .filter((f) => (browser ? f.startsWith(path.join('test', 'browser')) : !f.startsWith(path.join('test', 'browser'))))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)));
if (files.length === 0) {
  console.error('No test files matched.');
  process.exit(1);
}
console.log(`Running ${files.length} test file(s) on ${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'}…`);
const env = { ...process.env, NODE_ENV: 'test' };

// On PGlite every test process would otherwise migrate and seed a template database of its own
// (seconds each, over a hundred processes): build the two templates once and hand them over.
let templates;
if (!process.env.DATABASE_URL && files.length > 1) {
  templates = fs.mkdtempSync(path.join(os.tmpdir(), 'tsunagu-test-templates-'));
  const built = await new Promise((resolve) => {
    spawn(process.execPath, ['--import', 'tsx', path.join('test', 'helpers', 'build-test-templates.ts'), templates], { stdio: 'inherit', env })
      .on('exit', (code) => resolve(code === 0));
  });
  if (!built) {
    console.error('Could not build the test database templates.');
    process.exit(1);
  }
  env.TSUNAGU_TEST_PGLITE_TEMPLATES = templates;
}

// Starting a test process costs seconds (loading the app through tsx), so test files that need
// nothing of a process of their own share one: a generated entry file imports a group of them,
// and their suites run one after another in it. Files that run the CLI, a Tsunagu server
// process, the whole demo or an SMTP sink process, or declare hooks outside a suite (which would
// apply to the whole group), keep their own process, and they run beside the groups while they
// wait on their children. Importing a helper from those files (freePort, closeTestDatabase) does
// not count, and neither does starting one small demo provider (they share a group well).
const ALONE = /child_process|\brunCli(?:Process)?\(|createCliTarget\(|startServerProcess\(|smtp-sink-process|startDemoProcesses\(|^(?:before|after|beforeEach|afterEach)\(/m;
const GROUPS = 6;
let entries = files;
let groupDir;
if (!browser && !args.includes('--isolate') && files.length > GROUPS * 2) {
  const alone = files.filter((f) => ALONE.test(fs.readFileSync(f, 'utf8')));
  const shared = files.filter((f) => !alone.includes(f));
  groupDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsunagu-test-groups-'));
  const groups = Array.from({ length: GROUPS }, () => []);
  shared.forEach((f, i) => groups[i % GROUPS].push(f));
  entries = [
    ...alone,
    ...groups.map((group, i) => {
      const entry = path.join(groupDir, `group-${i + 1}-of-${GROUPS}.test.mjs`);
      fs.writeFileSync(entry, group.map((f) => `import ${JSON.stringify(path.resolve(f))};\n`).join(''));
      return entry;
    }),
  ];
  console.log(`${alone.length} file(s) in processes of their own, ${shared.length} in ${GROUPS} shared processes.`);
}

// Two journeys at a time: each waits on its server and its browser for much of its run, and
// every journey keeps to ports of its own.
const concurrency = browser ? 2 : Math.max(1, Math.min(4, os.availableParallelism()));
const child = spawn(
  process.execPath,
  ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...entries],
  { stdio: 'inherit', env },
);
const cleanUp = () => {
  for (const dir of [templates, groupDir]) if (dir) fs.rmSync(dir, { recursive: true, force: true });
};
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => {
  cleanUp();
  process.exit(code ?? (signal ? 1 : 0));
});
