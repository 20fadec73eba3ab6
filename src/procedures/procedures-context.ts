// What the procedures module's use cases work with: the platform context and this module's view
// of the database. Built once per application.
import type { AppContext } from '../platform/module.ts';
import { proceduresDb, type ProceduresDatabase } from './db/schema.ts';

export interface ProceduresContext {
  app: AppContext;
  db: ProceduresDatabase;
}

export function createProceduresContext(app: AppContext): ProceduresContext {
  return { app, db: proceduresDb(app.db) };
}
