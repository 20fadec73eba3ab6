// `tsunagu serve | migrate | seed | tenants import FILE | audit verify | tokens issue |
//  backup FILE | restore FILE` — everything an operator does from the console.
import fs from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { buildTsunagu, allMigrations, type Tsunagu } from './app.ts';
import { ConfigError, loadConfig, type Config } from './platform/config.ts';
import { DataDirInUseError, openDatabase, ping, type DatabaseHandle } from './platform/db/database.ts';
import { migrateToLatest, pendingMigrations } from './platform/db/migrator.ts';
import { appendAudit, verifyAuditChain } from './platform/audit/audit-log.ts';
import { importTenants, parseTenantCsv, TenantImportError } from './platform/tenancy/import-tenants.ts';
import { issueApiToken, revokeApiToken } from './platform/authz/api-tokens.ts';
import { grantRole } from './platform/authz/role-assignments.ts';
import { system } from './platform/authz/actor.ts';
import { AppError } from './platform/errors.ts';
import type { ScopeLevel } from './platform/authz/roles.ts';
import { BackupError, backupDatabase, readBackup, restoreDatabase } from './platform/db/backup.ts';
import { IdentityUsageError, runIdentityCommand } from './identity/cli-commands.ts';
import { startDemoProcesses, type DemoProcesses } from './demo/demo-processes.ts';
import { demoSettings } from './optin/demo-seed.ts';
import { receiverSettings } from './delivery/exports.ts';
import { municipalSigningCaPem } from './documents/exports.ts';
import { demoPaymentKeys } from './procedures/exports.ts';

const USAGE = `Usage: tsunagu <command>

  serve                     start the server (PORT, default 3000)
  migrate                   apply database migrations
  seed                      load the demo data (idempotent)
  tenants import FILE.csv   load a prefecture's municipalities and living zones
  audit verify              check the audit log's hash chain
  tokens issue --name NAME [--role ROLE --prefecture CODE [--zone ID | --municipality CODE]] [--days N]
                            issue an operator API token (shown once)
  staff invite --email ADDR --name NAME --lg-code CODE [--role ROLE [--zone ID | --municipality CODE]]
                            invite a staff member (the first administrator, too)
  oidc rotate-keys          make a new ID-token signing key (the previous one stays published)
  backup FILE               write a full logical backup of the database
  restore FILE              load a backup into an empty database
  jpki test-ca | issue … | revoke SERIAL
                            the development JPKI TEST CA and its demo cards (docs/identity-jpki.md)

Configuration is read from the environment; see docs/operations.md.`;

async function openFromConfig(config: Config): Promise<DatabaseHandle> {
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: config.dbPoolSize });
  // One query up front reports an unreachable database before any work starts. (It also used to
  // be what made close() shut PGlite down: Kysely destroys only a driver that ran a query.)
  try {
    await ping(database.db);
  } catch (error) {
    await database.close();
    throw error;
  }
  return database;
}

async function withDatabase<T>(config: Config, run: (database: DatabaseHandle) => Promise<T>): Promise<T> {
  const database = await openFromConfig(config);
  try {
    return await run(database);
  } finally {
    await database.close();
  }
}

async function serve(config: Config): Promise<number> {
  const started = Date.now();
  const database = await openFromConfig(config);
  const tsunagu = await buildTsunagu({ config, database });
  const log = tsunagu.app.log;
  if (config.demoData) {
    const count = await database.db.selectFrom('platform_tenants').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    if (Number(count.n) === 0) {
      await tsunagu.seed();
      log.info('seeded the demo data (TSUNAGU_DEMO_DATA=false turns this off)');
    }
  }
  if (config.runWorker) tsunagu.ctx.queue.start();
  // A signal may come while the demo processes are still starting: it must find this declared.
  let demo: DemoProcesses | undefined;
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    await demo?.close();
    await tsunagu.close();
    await database.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  await tsunagu.app.listen({ port: config.port, host: config.host });
  demo = config.demoProcesses ? await startDemo(config, tsunagu, log) : undefined;
  if (stopping) await demo?.close(); // stopped while they started: do not leave them running
  log.info(
    { database: database.kind, dataDir: database.kind === 'pglite' ? config.dataDir : undefined, startupMs: Date.now() - started },
    `Tsunagu is ready at http://localhost:${config.port}`,
  );
  return new Promise<number>(() => {}); // runs until a signal stops it
}

/**
 * The demo's data providers and service (src/demo/), as processes of their own so the data they
 * hold is visibly not in the City OS database. A port in use only costs the demo, not the server.
 */
async function startDemo(config: Config, tsunagu: Tsunagu, log: Tsunagu['app']['log']): Promise<DemoProcesses | undefined> {
  const settings = demoSettings(tsunagu.ctx);
  try {
    const demo = await startDemoProcesses({
      host: config.host === '0.0.0.0' ? '127.0.0.1' : config.host,
      basePort: config.port,
      publicHost: new URL(config.publicUrl).hostname,
      issuer: config.publicUrl,
      providerTokens: settings.providerTokens,
      serviceClient: settings.serviceClient,
      coreReceiver: { tokens: receiverSettings(tsunagu.ctx).tokens, trustAnchor: await municipalSigningCaPem(tsunagu.ctx), storeDir: path.join(config.dataDir, 'demo-core-receiver') },
      payment: demoPaymentKeys(tsunagu.ctx),
      logger: { info: (line) => log.debug(line), error: (line) => log.warn(line) },
    });
    log.info(`demo service (子育て応援アプリ) at ${demo.service.url}; data providers at ${demo.providers.map((p) => p.url).join(', ')}; core system (基幹システム) receiving applications at ${demo.coreReceiver.url}${demo.payment ? `; test payment service (no real money) at ${demo.payment.url}` : ''}`);
    return demo;
  } catch (error) {
    log.warn({ err: error }, 'the demo providers and service did not start (TSUNAGU_DEMO_PROCESSES=false turns them off)');
    return undefined;
  }
}

function parseTokenArgs(args: string[]) {
  const { values } = asUsageError(() => parseArgs({
    args,
    options: {
      name: { type: 'string' },
      role: { type: 'string' },
      prefecture: { type: 'string' },
      zone: { type: 'string' },
      municipality: { type: 'string' },
      days: { type: 'string' },
    },
  }));
  if (!values.name) throw new UsageError('tokens issue needs --name');
  if (values.role && !values.prefecture) throw new UsageError('--role needs --prefecture CODE');
  if (values.days && !/^[1-9]\d{0,4}$/.test(values.days)) throw new UsageError('--days must be a whole number from 1');
  if (values.zone && values.municipality) throw new UsageError('give --zone or --municipality, not both');
  if ((values.zone || values.municipality) && !values.role) throw new UsageError('--zone and --municipality need --role');
  return values;
}

class UsageError extends Error {}

/** An operator mistake that is not about the command line (exit 2, message only). */
class CommandError extends Error {}

/** Refuses to read a database that was never migrated (its tables do not exist yet). */
async function requireMigrated(db: DatabaseHandle['db'], needed: string): Promise<void> {
  const pending = await pendingMigrations(db, allMigrations());
  if (pending.includes(needed)) throw new CommandError('the database has not been set up yet; run "tsunagu migrate" first');
}

/** Reports parseArgs's errors (unknown option, missing value) as usage errors. */
function asUsageError<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS')) throw new UsageError((error as Error).message);
    throw error;
  }
}

async function readInput(file: string): Promise<string> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

/** Where a command reads its configuration and writes its output: the process, or a test's capture. */
export interface CliIo {
  env: NodeJS.ProcessEnv;
  out(text: string): void;
  err(text: string): void;
}

const processIo: CliIo = { env: process.env, out: (text) => console.log(text), err: (text) => console.error(text) };

export async function main(argv: string[], io: CliIo = processIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    const config = loadConfig(io.env);
    switch (command) {
      case 'serve':
        return await serve(config);
      case 'migrate':
        return await withDatabase(config, async ({ db }) => {
          const applied = await migrateToLatest(db, allMigrations());
          io.out(applied.length ? `Applied ${applied.length} migration(s):\n  ${applied.join('\n  ')}` : 'The database is up to date.');
          return 0;
        });
      case 'seed':
        return await withDatabase(config, async (database) => {
          const tsunagu = await buildTsunagu({ config, database, logger: false });
          await tsunagu.seed();
          await tsunagu.close();
          io.out('Demo data loaded.');
          return 0;
        });
      case 'tenants': {
        const [sub, file] = rest;
        if (sub !== 'import' || !file) throw new UsageError('usage: tsunagu tenants import FILE.csv');
        const rows = parseTenantCsv(await readInput(file));
        return await withDatabase(config, async ({ db }) => {
          await migrateToLatest(db, allMigrations());
          // The import and its audit record commit together, or neither does.
          const summary = await db.transaction().execute(async (trx) => {
            const result = await importTenants(trx, rows);
            await appendAudit(trx, { actor: 'system', action: 'tenancy.import', details: { file: path.basename(file), ...result } });
            return result;
          });
          io.out(`Imported ${summary.municipalities} municipalities in ${summary.zones} living zone(s) of prefecture ${summary.prefectures.join(', ')}.`);
          return 0;
        });
      }
      case 'audit': {
        if (rest[0] !== 'verify') throw new UsageError('usage: tsunagu audit verify');
        return await withDatabase(config, async ({ db }) => {
          await requireMigrated(db, '2026-11-23T1202-platform-audit');
          const result = await verifyAuditChain(db);
          if (result.ok) {
            io.out(`The audit log is intact: ${result.count} record(s), last hash ${result.lastHash}.`);
            return 0;
          }
          io.err(`The audit log is broken at record ${result.brokenAt}: ${result.reason}. ${result.count} record(s) before it are intact.`);
          return 1;
        });
      }
      case 'tokens': {
        if (rest[0] !== 'issue') throw new UsageError('usage: tsunagu tokens issue --name NAME [--role ROLE --prefecture CODE ...]');
        const values = parseTokenArgs(rest.slice(1));
        return await withDatabase(config, async (database) => {
          const tsunagu = await buildTsunagu({ config, database, logger: false });
          const { ctx } = tsunagu;
          const days = values.days ? Number(values.days) : 90;
          const issued = await issueApiToken(ctx.db, { name: values.name!, createdBy: 'system', expiresAt: new Date(Date.now() + days * 86_400_000) });
          await appendAudit(ctx.db, { actor: 'system', action: 'authz.token.issue', subject: issued.principalId, details: { name: values.name, days } });
          if (values.role) {
            const level: ScopeLevel = values.municipality ? 'municipality' : values.zone ? 'zone' : 'prefecture';
            try {
              await grantRole(ctx, system, {
                principalId: issued.principalId,
                role: values.role,
                scope: { level, prefectureCode: values.prefecture!, zoneId: values.zone ?? null, lgCode: values.municipality ?? null },
              });
            } catch (error) {
              // The token was never shown, but it exists: revoke it so no role-less token is left.
              await revokeApiToken(ctx.db, issued.id);
              await appendAudit(ctx.db, { actor: 'system', action: 'authz.token.revoke', subject: issued.principalId, details: { reason: 'role grant failed' } });
              await tsunagu.close();
              throw error;
            }
          }
          await tsunagu.close();
          io.out(`Token for "${values.name}" (principal ${issued.principalId}, valid ${days} days). It is shown only now:\n${issued.token}`);
          return 0;
        });
      }
      case 'staff':
      case 'oidc':
        return await withDatabase(config, async (database) => {
          const tsunagu = await buildTsunagu({ config, database, logger: false });
          try {
            io.out(await runIdentityCommand(command, rest, tsunagu.ctx));
            return 0;
          } catch (error) {
            if (error instanceof IdentityUsageError || (error as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS')) throw new UsageError((error as Error).message);
            throw error;
          } finally {
            await tsunagu.close();
          }
        });
      case 'backup': {
        const [file] = rest;
        if (!file) throw new UsageError('usage: tsunagu backup FILE');
        return await withDatabase(config, async ({ db }) => {
          await requireMigrated(db, '2026-11-23T1200-platform-tenancy');
          const summary = await backupDatabase(db, file);
          io.out(`Backed up ${summary.rows} row(s) from ${summary.tables} table(s) to ${file}.`);
          return 0;
        });
      }
      case 'restore': {
        const [file] = rest;
        if (!file) throw new UsageError('usage: tsunagu restore FILE');
        const backup = await readBackup(file); // a bad file is refused before the database is opened
        return await withDatabase(config, async ({ db }) => {
          const summary = await restoreDatabase(db, backup, allMigrations());
          io.out(`Restored ${summary.rows} row(s) into ${summary.tables} table(s) from ${file}.`);
          return 0;
        });
      }
      case 'jpki': {
        // Loaded on demand: the PKI library is not needed by any other command.
        const { runJpkiCommand } = await import('./identity/jpki/jpki-cli.ts');
        return await runJpkiCommand(rest, config, io);
      }
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.out(USAGE);
        return command ? 0 : 2;
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`tsunagu: ${error.message}\n\n${USAGE}`);
      return 2;
    }
    if (
      error instanceof ConfigError ||
      error instanceof CommandError ||
      error instanceof TenantImportError ||
      error instanceof DataDirInUseError ||
      error instanceof BackupError
    ) {
      io.err(`tsunagu: ${error.message}`);
      return 2;
    }
    if (error instanceof AppError) {
      io.err(`tsunagu: ${error.definition.code}: ${error.message}`);
      return 2;
    }
    throw error;
  }
}
