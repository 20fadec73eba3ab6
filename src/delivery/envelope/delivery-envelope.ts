// What a core system receives for one application (schema "tsunagu.delivery/v1", documented in
// docs/procedures.md "Delivery to core systems"): the delivery id to dedupe on, the tenant, the
// application with its receipt number, procedure and form version, the normalised answers and
// the same answers as a person reads them, the attachments' metadata and SHA-256 digests, a
// reference to the applicant (account ids, no personal data beyond what the answers hold), and
// the PDF copy inline (base64) with its digest. The JSON is the record; the signature covers it.
import { createHash } from 'node:crypto';
import type { AppContext } from '../../platform/module.ts';
import { applicationRecord, type ApplicationRecord } from '../../procedures/exports.ts';
import { renderApplicationCopy } from './application-pdf.ts';

export const ENVELOPE_SCHEMA = 'tsunagu.delivery/v1';

export interface DeliveryEnvelope {
  schema: typeof ENVELOPE_SCHEMA;
  deliveryId: string;
  createdAt: string;
  municipality: { lgCode: string; name: string };
  application: {
    id: string;
    receiptNumber: string;
    submittedAt: string;
    procedure: { code: string; title: string; department: { code: string; name: string } };
    form: { code: string; versionId: string; version: number };
  };
  applicant: ApplicationRecord['applicant'];
  answers: ApplicationRecord['answers'];
  readable: ApplicationRecord['readable'];
  attachments: ApplicationRecord['attachments'];
  copy: { filename: string; contentType: 'application/pdf'; bytes: number; sha256: string; data: string };
}

export class DeliveryGone extends Error {}

export async function buildEnvelope(app: AppContext, delivery: { id: string; lgCode: string; applicationId: string; createdAt: Date }): Promise<DeliveryEnvelope> {
  const record = await applicationRecord(app, delivery.lgCode, delivery.applicationId);
  if (!record) throw new DeliveryGone('the application is no longer a submitted application');
  const municipality = (await app.tenants.get(delivery.lgCode))?.name.ja ?? delivery.lgCode;
  const pdf = Buffer.from(await renderApplicationCopy({ municipality, record, deliveryId: delivery.id }));
  return {
    schema: ENVELOPE_SCHEMA,
    deliveryId: delivery.id,
    createdAt: delivery.createdAt.toISOString(),
    municipality: { lgCode: delivery.lgCode, name: municipality },
    application: {
      id: record.id,
      receiptNumber: record.receiptNumber,
      submittedAt: record.submittedAt.toISOString(),
      procedure: { code: record.procedure.code, title: record.procedure.title.ja, department: { code: record.procedure.department.code, name: record.procedure.department.name.ja } },
      form: record.form,
    },
    applicant: record.applicant,
    answers: record.answers,
    readable: record.readable,
    attachments: record.attachments,
    copy: { filename: `${record.receiptNumber}.pdf`, contentType: 'application/pdf', bytes: pdf.length, sha256: createHash('sha256').update(pdf).digest('hex'), data: pdf.toString('base64') },
  };
}
