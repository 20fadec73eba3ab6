// What other modules do in the transaction that submits applications (delivery to a core
// system writes its delivery rows and jobs there, so they commit or vanish with the submission).
// A hook that throws rolls the whole submission back: the bulk application stays a draft.
import type { Database } from '../../platform/db/database.ts';
import type { AppContext } from '../../platform/module.ts';

export interface SubmittedApplication {
  lgCode: string;
  id: string;
  procedureCode: string;
  receiptNumber: string;
}

export type SubmissionHook = (trx: Database, submitted: SubmittedApplication[]) => Promise<void>;

const hooks = new WeakMap<AppContext, SubmissionHook[]>();

export function onApplicationsSubmitted(app: AppContext, hook: SubmissionHook): void {
  hooks.set(app, [...(hooks.get(app) ?? []), hook]);
}

export async function runSubmissionHooks(app: AppContext, trx: Database, submitted: SubmittedApplication[]): Promise<void> {
  for (const hook of hooks.get(app) ?? []) await hook(trx, submitted);
}
