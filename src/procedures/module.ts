// Procedures (手続): the common portal's procedure catalog and life-event navigation (003B §1B,
// P2), shared by the resident side and the back office. Each tenant lists its departments and
// procedures (the prefecture's are shown in all its municipalities), each procedure saying who
// runs it, what it costs, what to attach or bring, the identity check it needs and where it is
// done (this portal, an external system such as jGrants, or a counter). Navigations per
// municipality and life event turn a few answers into the procedures that apply, each with why.
// Forms, the bulk application (applications/) and the back office workflow (workflow/) live here too.
// docs/procedures.md describes the pages, the model and the API.
import { provideProcedureCatalogue } from '../identity/exports.ts';
import { defineModule, type AppContext } from '../platform/module.ts';
import { mandatableProcedures } from './catalog/mandatable-procedures.ts';
import { catalogApi } from './api/catalog-api.ts';
import { exportApi } from './api/export-api.ts';
import { formsApi } from './api/forms-api.ts';
import { monitoringApi } from './api/monitoring-api.ts';
import { workflowApi } from './api/workflow-api.ts';
import { navigationsApi } from './api/navigations-api.ts';
import { paymentsApi } from './api/payments-api.ts';
import { proceduresMigrations } from './db/migrations/index.ts';
import { seedProceduresDemo } from './demo-seed.ts';
import en from './locales/en.json' with { type: 'json' };
import ja from './locales/ja.json' with { type: 'json' };
import { applicationPages } from './pages/application-pages.tsx';
import { addApplicationsSection } from './pages/home-section.tsx';
import { catalogPages } from './pages/catalog-pages.tsx';
import { myApplicationsPages } from './pages/my-applications-pages.tsx';
import { staffApplicationPages } from './pages/staff-application-pages.tsx';
import { returnedApplicationPages } from './pages/returned-application-pages.tsx';
import { staffDepartmentPages } from './pages/staff-department-pages.tsx';
import { addStaffQueueSection } from './pages/staff-home-section.tsx';
import { signingPages } from './pages/signing-pages.tsx';
import { counterPages } from './pages/counter-pages.tsx';
import { counterScreenPages } from './pages/counter-screen-pages.tsx';
import { formBuilderPages } from './pages/form-builder-pages.tsx';
import { monitoringPages } from './pages/monitoring-pages.tsx';
import { exportPages } from './pages/export-pages.tsx';
import { formPreviewPages } from './pages/form-preview-pages.tsx';
import { paymentPages } from './pages/payment-pages.tsx';
import { genericFormPages } from './pages/generic-form-pages.tsx';
import { FeePayments } from './payments/fee-payments.ts';
import { reconciliationJob, RECONCILE_TOPIC, scheduleReconciliation } from './payments/payment-reconciliation.ts';
import { lifeEventPages } from './pages/life-event-pages.tsx';
import { navigationBuilderPages } from './pages/navigation-builder-pages.tsx';
import { staffNotificationPages } from './pages/staff-notification-pages.tsx';
import { ARRIVAL_TOPIC, arrivalMailer } from './workflow/arrival-mail.ts';
import { createProceduresContext, type ProceduresContext } from './procedures-context.ts';

const contexts = new WeakMap<AppContext, ProceduresContext>();
function contextOf(app: AppContext): ProceduresContext {
  let found = contexts.get(app);
  if (!found) contexts.set(app, (found = createProceduresContext(app)));
  return found;
}

export const proceduresModule = defineModule({
  name: 'procedures',
  dependsOn: ['tenancy', 'authz', 'audit', 'identity'],
  migrations: proceduresMigrations,
  messages: { ja, en },
  grants: {
    // Each tenant's own catalog and navigations; the guard's scope rules decide whose (a
    // prefecture-scope assignment covers the prefecture and its municipalities).
    // Monitoring figures are counts, no personal data; the standard export is personal data.
    // The back office: which applications a person sees is further limited to the departments
    // they belong to (workflow/work-store.ts). Fee payments: seeing where an application's
    // payment stands, and refunding it.
    // Counter assistance (書かない窓口): starting an application for a resident at the counter.
    municipal_admin: ['procedures.assist_at_counter', 'procedures.manage_catalog', 'procedures.manage_navigation', 'procedures.manage_forms', 'procedures.read_catalog', 'procedures.read_monitoring', 'procedures.record_paper_counts', 'procedures.export_applications', 'procedures.manage_workflow', 'procedures.review_applications', 'procedures.read_payments', 'procedures.refund_payments'],
    form_designer: ['procedures.manage_catalog', 'procedures.manage_navigation', 'procedures.manage_forms', 'procedures.read_catalog'],
    auditor: ['procedures.read_catalog', 'procedures.read_monitoring', 'procedures.read_payments'],
    reviewer: ['procedures.read_catalog', 'procedures.read_monitoring', 'procedures.review_applications', 'procedures.read_payments'],
    approver: ['procedures.read_catalog', 'procedures.read_monitoring', 'procedures.review_applications', 'procedures.read_payments', 'procedures.refund_payments'],
    counter_clerk: ['procedures.assist_at_counter', 'procedures.read_catalog', 'procedures.record_paper_counts', 'procedures.review_applications', 'procedures.read_payments'],
  },
  routes: async (fastify, app) => {
    const ctx = contextOf(app);
    const payments = new FeePayments(app);
    provideProcedureCatalogue(app, mandatableProcedures(ctx));
    // Pending payments are reconciled periodically; the process that runs the worker keeps the chain going.
    app.queue.handle(RECONCILE_TOPIC, reconciliationJob(app, payments));
    if (app.config.runWorker && payments.provider) await scheduleReconciliation(app);
    addApplicationsSection(ctx);
    addStaffQueueSection(ctx);
    // The job handler needs the running application's context, which this step is the first to get.
    app.queue.handle(ARRIVAL_TOPIC, arrivalMailer(ctx));
    await catalogApi(fastify, ctx);
    await navigationsApi(fastify, ctx);
    await formsApi(fastify, ctx);
    await monitoringApi(fastify, ctx);
    await exportApi(fastify, ctx);
    await workflowApi(fastify, ctx);
    await catalogPages(fastify, ctx);
    await lifeEventPages(fastify, ctx);
    await formPreviewPages(fastify, ctx);
    await formBuilderPages(fastify, ctx);
    await navigationBuilderPages(fastify, ctx);
    await applicationPages(fastify, ctx, payments);
    await signingPages(fastify, ctx);
    await myApplicationsPages(fastify, ctx, payments);
    await paymentPages(fastify, ctx, payments);
    await genericFormPages(fastify, ctx);
    await paymentsApi(fastify, ctx, payments);
    await monitoringPages(fastify, ctx);
    await exportPages(fastify, ctx);
    await returnedApplicationPages(fastify, ctx);
    await staffApplicationPages(fastify, ctx);
    await staffDepartmentPages(fastify, ctx);
    await staffNotificationPages(fastify, ctx);
    await counterPages(fastify, ctx);
    await counterScreenPages(fastify, ctx);
  },
  seed: async (app) => {
    if (!app.config.production) await seedProceduresDemo(contextOf(app));
  },
});
