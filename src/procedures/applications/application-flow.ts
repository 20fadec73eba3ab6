// A loaded bulk application and its steps: the shared questions first (one per page), then each
// form's own pages that are shown for the answers so far. Both the step pages and the review use
// it, so they always agree on what is asked, what is missing and where to fix it.
import type { FieldError, FormValues } from '../../platform/ui/form-errors.ts';
import { findProcedures, type Procedure } from '../catalog/catalog-store.ts';
import { validateAnswers, type Answers } from '../forms/answer-engine.ts';
import type { Dictionary, ResolvedDefinition, ResolvedPage } from '../forms/form-definition.ts';
import { findVersion, loadDictionary } from '../forms/form-store.ts';
import type { ProceduresDatabase } from '../db/schema.ts';
import type { StoredApplication, StoredBulk } from './application-store.ts';
import { belongsTo, formValuesFor, ownPage, sharedDefinition, sharedFields, type SharedField } from './bulk-application.ts';

export interface FlowForm {
  application: StoredApplication;
  procedure: Procedure;
  definition: ResolvedDefinition;
}

export interface Flow {
  bulk: StoredBulk;
  dictionary: Dictionary;
  shared: SharedField[];
  sharedDefinition: ResolvedDefinition;
  forms: FlowForm[];
}

/** One page of the journey: `section` is 'shared' or an application id. */
export interface Step {
  section: string;
  page: ResolvedPage;
  definition: ResolvedDefinition;
  values: FormValues;
}

export async function loadFlow(db: ProceduresDatabase, bulk: StoredBulk): Promise<Flow> {
  // Every step page loads the flow: its reads go out together, not one round trip after another.
  const [dictionary, procedures, versions] = await Promise.all([
    loadDictionary(db),
    findProcedures(db, bulk.applications.map((a) => [a.lgCode, a.procedureCode])),
    Promise.all(bulk.applications.map((a) => findVersion(db, a.lgCode, { id: a.formVersionId }))),
  ]);
  const forms: FlowForm[] = bulk.applications.map((application, i) => {
    const version = versions[i];
    const procedure = procedures.get(`${application.lgCode}/${application.procedureCode}`);
    if (!version || !procedure) throw new Error(`Application ${application.id} lost its form version or procedure`);
    return { application, procedure, definition: version.definition };
  });
  const shared = sharedFields(forms.map((f) => f.definition), dictionary);
  return { bulk, dictionary, shared, sharedDefinition: sharedDefinition(shared), forms };
}

export const formValuesOf = (flow: Flow, form: FlowForm) => formValuesFor(form.definition, flow.dictionary, flow.bulk.shared.values, form.application.own.values);

/** Every step shown for the answers so far, in order. */
export function stepsOf(flow: Flow, today: string): Step[] {
  const steps: Step[] = flow.sharedDefinition.pages.map((page) => ({ section: 'shared', page, definition: flow.sharedDefinition, values: flow.bulk.shared.values }));
  for (const form of flow.forms) {
    const values = formValuesOf(flow, form);
    const visible = validateAnswers(form.definition, values, { today, pages: [] }).visiblePages;
    for (const page of form.definition.pages) {
      if (!visible.includes(page.id)) continue;
      const own = ownPage(page, flow.dictionary);
      if (own.fields.length) steps.push({ section: form.application.id, page: own, definition: form.definition, values });
    }
  }
  return steps;
}

/** A step's errors (only for the fields the step shows) and the normalised answers so far. */
export function checkStep(step: Step, today: string): { errors: Record<string, FieldError>; answers: Answers } {
  const result = validateAnswers(step.definition, step.values, { today, pages: [step.page.id] });
  const errors = Object.fromEntries(Object.entries(result.errors).filter(([name]) => step.page.fields.some((f) => belongsTo(f.key, name))));
  return { errors, answers: result.values };
}

export const stepHref = (bulkId: string, step: Pick<Step, 'section' | 'page'>) => `/applications/${bulkId}/steps/${step.section}/${step.page.id}`;
