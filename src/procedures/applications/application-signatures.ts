// Signing level A applications with the My Number card (電子署名, 003B P3.1). The card signs the
// SHA-256 of a manifest: for each level A application of the bulk application, the SHA-256 of its
// canonical content (procedure, form version, normalised answers, attachment digests). Each of
// those applications keeps the manifest, the signature and the certificate. Submission recomputes
// the content and needs a signature whose manifest holds exactly that digest, so changing an
// answer (or a file) after signing needs a new signature. The card checks are the identity
// module's (chain, validity, CRL, signature, and that the card is the applicant's own).
import { createHash } from 'node:crypto';
import type { AppContext } from '../../platform/module.ts';
import { verifyApplicantCard, type ApplicantCardCheck } from '../../identity/exports.ts';
import { validateAnswers, type Answers } from '../forms/answer-engine.ts';
import { proceduresDb, type ProceduresDatabase } from '../db/schema.ts';
import type { ProceduresContext } from '../procedures-context.ts';
import { formValuesOf, type Flow, type FlowForm } from './application-flow.ts';
import { listAttachments, openAttachment } from './attachments.ts';

const PURPOSE = 'tsunagu.application-signature.v1';
const certificateContext = (lgCode: string, id: string) => `procedures_application_signatures.certificate:${lgCode}/${id}`;

/** JSON with object keys sorted at every level: the same content always gives the same bytes. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

/** The digest of one application's content as it would be submitted. */
async function contentDigest(app: AppContext, db: ProceduresDatabase, application: { lgCode: string; id: string; procedureCode: string; formVersionId: string }, answers: Answers): Promise<string> {
  const attachments: Record<string, string> = {};
  for (const key of (await listAttachments(db, application)).keys()) {
    const bytes = await openAttachment(db, app.sealer, application, key);
    if (bytes) attachments[key] = sha256(bytes);
  }
  return sha256(canonicalJson({ lgCode: application.lgCode, application: application.id, procedure: application.procedureCode, formVersion: application.formVersionId, answers, attachments }));
}

export const needsSignature = (flow: Flow): FlowForm[] => (flow.bulk.practice ? [] : flow.forms.filter((f) => f.procedure.assuranceLevel === 'A'));

interface ManifestEntry { lgCode: string; application: string; procedure: string; digest: string }

/** The manifest of the level A applications as they stand now (what the card is asked to sign). */
export async function currentManifest(ctx: ProceduresContext, flow: Flow, today: string): Promise<{ manifest: string; entries: ManifestEntry[] }> {
  const entries: ManifestEntry[] = [];
  for (const form of needsSignature(flow)) {
    const answers = validateAnswers(form.definition, formValuesOf(flow, form), { today }).values;
    entries.push({ lgCode: form.application.lgCode, application: form.application.id, procedure: form.application.procedureCode, digest: await contentDigest(ctx.app, ctx.db, form.application, answers) });
  }
  return { manifest: canonicalJson({ purpose: PURPOSE, bulk: flow.bulk.id, applications: entries }), entries };
}

/** The bytes the card signs: SHA-256 of the manifest (32 bytes). */
export const signedBytes = (manifest: string) => new Uint8Array(createHash('sha256').update(manifest, 'utf8').digest());

/** Verifies the card's signature over the current content and stores it with each level A application. */
export async function signApplications(ctx: ProceduresContext, flow: Flow, today: string, input: { certificate: string; signature: string }): Promise<ApplicantCardCheck> {
  const { manifest, entries } = await currentManifest(ctx, flow, today);
  const checked = await verifyApplicantCard(ctx.app, flow.bulk.applicantAccountId, { ...input, data: signedBytes(manifest) });
  if (!checked.ok) return checked;
  await ctx.app.db.transaction().execute(async (trx) => {
    const db = proceduresDb(trx);
    for (const entry of entries) {
      const values = { manifest, signature: input.signature, certificate_sealed: ctx.app.sealer.seal(input.certificate, certificateContext(entry.lgCode, entry.application)), certificate_fingerprint: checked.fingerprint, signed_at: new Date() };
      await db.insertInto('procedures_application_signatures').values({ lg_code: entry.lgCode, application_id: entry.application, ...values }).onConflict((oc) => oc.columns(['lg_code', 'application_id']).doUpdateSet(values)).execute();
    }
  });
  return checked;
}

interface StoredSignature { manifest: string; signature: string; certificate: string; signedAt: Date }

async function storedSignature(app: AppContext, lgCode: string, applicationId: string): Promise<StoredSignature | undefined> {
  const row = await proceduresDb(app.db).selectFrom('procedures_application_signatures').selectAll().where('lg_code', '=', lgCode).where('application_id', '=', applicationId).executeTakeFirst();
  return row && { manifest: row.manifest, signature: row.signature, certificate: app.sealer.open(row.certificate_sealed, certificateContext(lgCode, applicationId)), signedAt: row.signed_at };
}

const digestIn = (manifest: string, lgCode: string, applicationId: string): string | undefined => {
  const parsed = JSON.parse(manifest) as { applications: ManifestEntry[] };
  return parsed.applications.find((e) => e.lgCode === lgCode && e.application === applicationId)?.digest;
};

export type SignatureProblem = { form: FlowForm; reason: 'unsigned' | 'changed' | 'refused'; message?: { ja: string; en: string } };

/**
 * What stands between the level A applications and submission: each needs a stored signature
 * whose manifest holds its current digest, and the card must still verify (not revoked since).
 */
export async function signatureProblems(ctx: ProceduresContext, flow: Flow, today: string): Promise<SignatureProblem[]> {
  const { entries } = await currentManifest(ctx, flow, today);
  const problems: SignatureProblem[] = [];
  for (const form of needsSignature(flow)) {
    const stored = await storedSignature(ctx.app, form.application.lgCode, form.application.id);
    if (!stored) { problems.push({ form, reason: 'unsigned' }); continue; }
    const current = entries.find((e) => e.application === form.application.id)!.digest;
    if (digestIn(stored.manifest, form.application.lgCode, form.application.id) !== current) { problems.push({ form, reason: 'changed' }); continue; }
    const checked = await verifyApplicantCard(ctx.app, flow.bulk.applicantAccountId, { certificate: stored.certificate, signature: stored.signature, data: signedBytes(stored.manifest) });
    if (!checked.ok) problems.push({ form, reason: 'refused', message: checked.message });
  }
  return problems;
}

export interface ApplicationSignature {
  /** True when the signature verifies now (chain, validity, current CRL) and covers the application's submitted content. */
  verified: boolean;
  /** Why not, when not: a JPKI failure code, `not_the_applicant` or `content_changed`. */
  code?: string;
  signerName?: string;
  signedAt: Date;
  certificateFingerprint?: string;
}

/**
 * For the back office: the stored signature of an application, verified again. Undefined when the
 * application was not signed. The content is recomputed from the submitted (normalised) answers and
 * the stored attachments, so a changed record shows `content_changed`.
 */
export async function signatureOf(app: AppContext, lgCode: string, applicationId: string): Promise<ApplicationSignature | undefined> {
  if (!/^\d{6}$/.test(lgCode) || !/^[0-9a-f-]{36}$/.test(applicationId)) return undefined;
  const stored = await storedSignature(app, lgCode, applicationId);
  if (!stored) return undefined;
  const db = proceduresDb(app.db);
  const row = await db.selectFrom('procedures_applications').select(['applicant_account_id', 'procedure_code', 'form_version_id', 'answers_sealed']).where('lg_code', '=', lgCode).where('id', '=', applicationId).executeTakeFirstOrThrow();
  const checked = await verifyApplicantCard(app, row.applicant_account_id, { certificate: stored.certificate, signature: stored.signature, data: signedBytes(stored.manifest) });
  if (!checked.ok) return { verified: false, code: checked.code, signedAt: stored.signedAt };
  const own = app.sealer.openJson<{ answers?: Answers }>(row.answers_sealed, `procedures_applications.answers:${lgCode}/${applicationId}`);
  const digest = await contentDigest(app, db, { lgCode, id: applicationId, procedureCode: row.procedure_code, formVersionId: row.form_version_id }, own.answers ?? {});
  const base = { signerName: checked.signerName, signedAt: stored.signedAt, certificateFingerprint: checked.fingerprint };
  return digestIn(stored.manifest, lgCode, applicationId) === digest ? { verified: true, ...base } : { verified: false, code: 'content_changed', ...base };
}
