// The procedures module's migrations, listed explicitly. Never edit one once merged: add a new one.
import type { Migration } from 'kysely';
import * as catalog from './2026-12-03T1500-procedures-catalog.ts';
import * as forms from './2026-12-03T1700-procedures-forms.ts';
import * as applications from './2026-12-03T2000-procedures-applications.ts';
import * as monitoring from './2026-12-05T0900-procedures-monitoring.ts';
import * as workflow from './2026-12-05T0900-procedures-workflow.ts';
import * as payments from './2026-12-05T0900-procedures-payments.ts';
import * as genericForm from './2026-12-05T0910-procedures-generic-form.ts';
import * as signatures from './2026-12-05T0900-procedures-signatures.ts';
import * as counter from './2026-12-06T0900-procedures-counter.ts';
import * as staffNotifications from './2026-12-07T0900-procedures-staff-notifications.ts';
import * as replacedFiles from './2026-12-07T0910-procedures-replaced-files.ts';
import * as childrenDictionary from './2026-12-08T0900-procedures-children-dictionary.ts';

export const proceduresMigrations: Record<string, Migration> = {
  '2026-12-03T1500-procedures-catalog': catalog,
  '2026-12-03T1700-procedures-forms': forms,
  '2026-12-03T2000-procedures-applications': applications,
  '2026-12-05T0900-procedures-monitoring': monitoring,
  '2026-12-05T0900-procedures-workflow': workflow,
  '2026-12-05T0900-procedures-payments': payments,
  '2026-12-05T0910-procedures-generic-form': genericForm,
  '2026-12-05T0900-procedures-signatures': signatures,
  '2026-12-06T0900-procedures-counter': counter,
  '2026-12-07T0900-procedures-staff-notifications': staffNotifications,
  '2026-12-07T0910-procedures-replaced-files': replacedFiles,
  '2026-12-08T0900-procedures-children-dictionary': childrenDictionary,
};
