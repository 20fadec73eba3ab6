// The form builder's API (issue 6 part 1): drafts, checks, publishing, versions, a procedure's
// link to a version, field-list import and export, and prefecture templates.
//   GET  /api/v1/form-dictionary                                  the common field dictionary
//   GET  /api/v1/forms?lgCode=&templates=true                     forms of the caller's tenants (+ templates)
//   GET|PUT|DELETE /api/v1/forms/{lgCode}/{code}                  a draft (ETag "v<n>", If-Match)
//   POST /api/v1/forms/{lgCode}/{code}/check                      the publishing checks, nothing saved
//   POST /api/v1/forms/{lgCode}/{code}/publish                    If-Match; 422 with the problems
//   GET  /api/v1/forms/{lgCode}/{code}/versions[/{n}]             published versions (public)
//   POST /api/v1/forms/{lgCode}/{code}/import                     a field list (text/csv or JSON) as the draft
//   GET  /api/v1/forms/{lgCode}/{code}/export?format=csv|json     the draft as a field list or definition
//   POST /api/v1/forms/{lgCode}/{code}/copy                       copy a template (or own form) into this tenant
//   PUT  /api/v1/procedures/{lgCode}/{code}/form                  link a procedure to a published version
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { actorId } from '../../platform/authz/actor.ts';
import { AppError, PlatformErrors, type Localized } from '../../platform/errors.ts';
import { findProcedure } from '../catalog/catalog-store.ts';
import { proceduresDb } from '../db/schema.ts';
import { ProceduresErrors } from '../errors.ts';
import { validateDefinition } from '../forms/definition-validator.ts';
import { definitionFromRows, FieldListError, fieldListCsv, parseFieldListCsv, parseFieldListJson } from '../forms/field-list.ts';
import { formDefinitionSchema, resolveDefinition, type FormDefinition } from '../forms/form-definition.ts';
import { copySource, findForm, findVersion, linkProcedure, listForms, listVersions, loadDictionary, publishVersion, saveDraft, type FormVersion, type StoredForm } from '../forms/form-store.ts';
import type { ProceduresContext } from '../procedures-context.ts';
import { audit, etag, expectedVersion, mayWriteTenant, requireActor, sendSaved, staleWrite } from './api-helpers.ts';

const keyParams = {
  type: 'object',
  required: ['lgCode', 'code'],
  properties: { lgCode: { type: 'string', pattern: '^[0-9]{6}$' }, code: { type: 'string', pattern: '^[a-z][a-z0-9-]{1,60}$' } },
} as const;
type Key = { lgCode: string; code: string };

export function formJson(f: StoredForm, problems?: Array<{ name: string; detail: string }>) {
  return { lgCode: f.lgCode, code: f.code, title: f.title, isTemplate: f.isTemplate, copiedFrom: f.copiedFrom, version: f.draftVersion, latestVersion: f.latestVersion, updatedBy: f.updatedBy, updatedAt: f.updatedAt.toISOString(), definition: f.draft, ...(problems ? { problems } : {}) };
}
export function versionJson(v: FormVersion, withDefinition = true) {
  return { lgCode: v.lgCode, formCode: v.formCode, id: v.id, version: v.version, publishedBy: v.publishedBy, publishedAt: v.publishedAt.toISOString(), ...(withDefinition ? { definition: v.definition } : {}) };
}

export async function formsApi(app: FastifyInstance, ctx: ProceduresContext): Promise<void> {
  const { guard, tenants } = ctx.app;
  // Field lists arrive as CSV (a spreadsheet's export), limited like any other body.
  app.addContentTypeParser(['text/csv', 'text/plain'], { parseAs: 'string', bodyLimit: 512 * 1024 }, (_request, body, done) => done(null, body));

  /** The tenant exists and the caller may build its forms: checked before the body is read. */
  const mayManage = mayWriteTenant(ctx.app, 'procedures.manage_forms');
  const mayRead = async (request: FastifyRequest<{ Params: Key }>) => {
    await requireActor(request);
    await guard.assert(request.actor, 'procedures.read_catalog', request.params.lgCode);
  };
  const formOrThrow = async (lgCode: string, code: string) => {
    const found = await findForm(ctx.db, lgCode, code);
    if (!found) throw new AppError(ProceduresErrors.FORM_NOT_FOUND);
    return found;
  };
  const problemsOf = async (definition: FormDefinition) => validateDefinition(definition, await loadDictionary(ctx.db));
  const localised = (request: FastifyRequest, problems: Awaited<ReturnType<typeof problemsOf>>) => problems.map((p) => ({ name: p.name, detail: p.detail[request.locale] }));

  /** Saves a draft (create or replace under If-Match) and audits it. */
  const saveAndSend = async (request: FastifyRequest<{ Params: Key }>, reply: FastifyReply, draft: FormDefinition, options: { isTemplate?: boolean; copiedFrom?: string; action: string }) => {
    const { lgCode, code } = request.params;
    const existing = await findForm(ctx.db, lgCode, code);
    const expected = expectedVersion(request, existing?.draftVersion);
    const tenant = (await tenants.get(lgCode))!;
    // Only the prefecture offers templates to its municipalities.
    const isTemplate = options.isTemplate ?? existing?.isTemplate ?? false;
    if (isTemplate && tenant.level !== 'prefecture') {
      throw new AppError(PlatformErrors.VALIDATION, { problems: [{ name: '/isTemplate', in: 'body', detail: { ja: 'ひな形にできるのは県の申請様式だけです', en: 'Only the prefecture’s forms can be templates' } }] });
    }
    const version = await ctx.app.db.transaction().execute(async (trx) => {
      const saved = await saveDraft(proceduresDb(trx), { lgCode, code, draft, isTemplate, copiedFrom: options.copiedFrom ?? null }, expected, actorId(request.actor));
      if (saved === undefined) throw staleWrite(expected === null);
      await audit(trx, request, expected === null ? 'procedures.form_created' : options.action, lgCode, `form:${lgCode}/${code}`, { draftVersion: saved, ...(options.copiedFrom ? { copiedFrom: options.copiedFrom } : {}) });
      return saved;
    });
    const saved = (await findForm(ctx.db, lgCode, code))!;
    return sendSaved(reply, expected === null, `/api/v1/forms/${lgCode}/${code}`, version, formJson(saved, localised(request, await problemsOf(saved.draft))));
  };

  app.get('/api/v1/form-dictionary', async () => ({ items: [...(await loadDictionary(ctx.db)).values()].map((e) => ({ key: e.key, ...e.field })) }));

  app.get<{ Querystring: { lgCode?: string; templates?: boolean } }>(
    '/api/v1/forms',
    { preValidation: requireActor, schema: { querystring: { type: 'object', properties: { lgCode: { type: 'string', pattern: '^[0-9]{6}$' }, templates: { type: 'boolean' } } } } },
    async (request) => {
      const readable = await guard.tenantsFor(request.actor, 'procedures.read_catalog');
      const owners = request.query.lgCode ? [request.query.lgCode].filter((c) => readable.has(c)) : [...readable];
      const forms = await listForms(ctx.db, owners, request.query.templates === true && readable.size > 0);
      return { items: forms.map((f) => { const { definition: _d, ...rest } = formJson(f); return rest; }) };
    },
  );

  app.get<{ Params: Key }>('/api/v1/forms/:lgCode/:code', { schema: { params: keyParams }, preValidation: mayRead }, async (request, reply) => {
    const found = await formOrThrow(request.params.lgCode, request.params.code);
    reply.header('etag', etag(found.draftVersion));
    return formJson(found, localised(request, await problemsOf(found.draft)));
  });

  app.put<{ Params: Key; Body: { definition: FormDefinition; isTemplate?: boolean } }>(
    '/api/v1/forms/:lgCode/:code',
    { schema: { params: keyParams, body: { type: 'object', additionalProperties: false, required: ['definition'], properties: { definition: formDefinitionSchema, isTemplate: { type: 'boolean' } } } }, preValidation: mayManage },
    (request, reply) => saveAndSend(request, reply, request.body.definition, { isTemplate: request.body.isTemplate, action: 'procedures.form_updated' }),
  );

  app.delete<{ Params: Key }>('/api/v1/forms/:lgCode/:code', { schema: { params: keyParams }, preValidation: mayManage }, async (request, reply) => {
    const { lgCode, code } = request.params;
    const found = await formOrThrow(lgCode, code);
    expectedVersion(request, found.draftVersion);
    if (found.latestVersion) throw new AppError(ProceduresErrors.FORM_PUBLISHED);
    await ctx.app.db.transaction().execute(async (trx) => {
      const deleted = await proceduresDb(trx).deleteFrom('procedures_forms').where('lg_code', '=', lgCode).where('code', '=', code).where('draft_version', '=', found.draftVersion).where('latest_version', 'is', null).executeTakeFirst();
      if (Number(deleted.numDeletedRows) !== 1) throw staleWrite(false);
      await audit(trx, request, 'procedures.form_deleted', lgCode, `form:${lgCode}/${code}`, { draftVersion: found.draftVersion });
    });
    return reply.code(204).send();
  });

  app.post<{ Params: Key; Body: FormDefinition }>('/api/v1/forms/:lgCode/:code/check', { schema: { params: keyParams, body: formDefinitionSchema }, preValidation: mayManage }, async (request) => {
    const problems = await problemsOf(request.body);
    return { valid: problems.length === 0, errors: localised(request, problems) };
  });

  app.post<{ Params: Key }>('/api/v1/forms/:lgCode/:code/publish', { schema: { params: keyParams }, preValidation: mayManage }, async (request, reply) => {
    const { lgCode, code } = request.params;
    const found = await formOrThrow(lgCode, code);
    const expected = expectedVersion(request, found.draftVersion)!;
    const dictionary = await loadDictionary(ctx.db);
    const problems = validateDefinition(found.draft, dictionary);
    if (problems.length > 0) throw new AppError(ProceduresErrors.INVALID_FORM, { problems });
    const published = await ctx.app.db.transaction().execute(async (trx) => {
      const version = await publishVersion(proceduresDb(trx), lgCode, code, resolveDefinition(found.draft, dictionary), expected, actorId(request.actor));
      if (!version) throw staleWrite(false);
      await audit(trx, request, 'procedures.form_published', lgCode, `form:${lgCode}/${code}`, { version: version.version, formVersionId: version.id });
      return version;
    });
    reply.header('etag', etag(expected + 1));
    return reply.code(201).header('location', `/api/v1/forms/${lgCode}/${code}/versions/${published.version}`).send(versionJson(published));
  });

  app.get<{ Params: Key }>('/api/v1/forms/:lgCode/:code/versions', { schema: { params: keyParams } }, async (request) => ({ items: (await listVersions(ctx.db, request.params.lgCode, request.params.code)).map((v) => versionJson(v, false)) }));

  // Published versions are public: residents fill them, and anyone may see what is asked.
  app.get<{ Params: Key & { version: number } }>(
    '/api/v1/forms/:lgCode/:code/versions/:version',
    { schema: { params: { ...keyParams, required: [...keyParams.required, 'version'], properties: { ...keyParams.properties, version: { type: 'integer', minimum: 1, maximum: 1_000_000 } } } } },
    async (request) => {
      const found = await findVersion(ctx.db, request.params.lgCode, { code: request.params.code, version: request.params.version });
      if (!found) throw new AppError(ProceduresErrors.FORM_VERSION_NOT_FOUND);
      return versionJson(found);
    },
  );

  app.post<{ Params: Key; Body: unknown; Querystring: { titleJa?: string; titleEn?: string } }>(
    '/api/v1/forms/:lgCode/:code/import',
    { schema: { params: keyParams, querystring: { type: 'object', properties: { titleJa: { type: 'string', minLength: 1, maxLength: 200 }, titleEn: { type: 'string', minLength: 1, maxLength: 200 } } } }, preValidation: mayManage },
    async (request, reply) => {
      const existing = await findForm(ctx.db, request.params.lgCode, request.params.code);
      let rows: Array<Record<string, string>>;
      let title: Localized = existing?.title ?? { ja: request.params.code, en: request.params.code };
      try {
        if (typeof request.body === 'string') rows = parseFieldListCsv(request.body) as Array<Record<string, string>>;
        else {
          const parsed = parseFieldListJson(request.body);
          rows = parsed.rows as Array<Record<string, string>>;
          if (parsed.title) title = parsed.title;
        }
        if (request.query.titleJa && request.query.titleEn) title = { ja: request.query.titleJa, en: request.query.titleEn };
        const draft = definitionFromRows(rows, title);
        return await saveAndSend(request, reply, draft, { action: 'procedures.form_imported' });
      } catch (e) {
        if (e instanceof FieldListError) throw new AppError(ProceduresErrors.INVALID_FIELD_LIST, { problems: e.problems });
        throw e;
      }
    },
  );

  app.get<{ Params: Key; Querystring: { format?: 'csv' | 'json' } }>(
    '/api/v1/forms/:lgCode/:code/export',
    { schema: { params: keyParams, querystring: { type: 'object', properties: { format: { type: 'string', enum: ['csv', 'json'] } } } }, preValidation: mayRead },
    async (request, reply) => {
      const found = await formOrThrow(request.params.lgCode, request.params.code);
      if (request.query.format === 'csv') {
        // With a BOM, so a spreadsheet opens the Japanese text correctly.
        return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${found.code}.csv"`).send(`\uFEFF${fieldListCsv(found.draft)}`);
      }
      return reply.header('content-disposition', `attachment; filename="${found.code}.json"`).send(found.draft);
    },
  );

  app.post<{ Params: Key; Body: { from: { lgCode: string; code: string } } }>(
    '/api/v1/forms/:lgCode/:code/copy',
    { schema: { params: keyParams, body: { type: 'object', additionalProperties: false, required: ['from'], properties: { from: keyParams } } }, preValidation: mayManage },
    async (request, reply) => {
      const target = (await tenants.get(request.params.lgCode))!;
      const source = await copySource(ctx.db, target, request.body.from);
      return saveAndSend(request, reply, source.definition, { isTemplate: false, copiedFrom: `${source.lgCode}/${source.formCode}@${source.version}`, action: 'procedures.form_updated' });
    },
  );

  app.put<{ Params: Key; Body: { formCode: string; version: number } | { formVersionId: null } }>(
    '/api/v1/procedures/:lgCode/:code/form',
    {
      schema: {
        params: keyParams,
        body: {
          anyOf: [
            { type: 'object', additionalProperties: false, required: ['formCode', 'version'], properties: { formCode: keyParams.properties.code, version: { type: 'integer', minimum: 1, maximum: 1_000_000 } } },
            { type: 'object', additionalProperties: false, required: ['formVersionId'], properties: { formVersionId: { type: 'null' } } },
          ],
        },
      },
      preValidation: mayWriteTenant(ctx.app, 'procedures.manage_catalog'),
    },
    async (request, reply) => {
      const { lgCode, code } = request.params;
      const procedure = await findProcedure(ctx.db, lgCode, code);
      if (!procedure) throw new AppError(ProceduresErrors.PROCEDURE_NOT_FOUND);
      const expected = expectedVersion(request, procedure.version)!;
      let formVersion: FormVersion | undefined;
      if ('formCode' in request.body) {
        formVersion = await findVersion(ctx.db, lgCode, { code: request.body.formCode, version: request.body.version });
        if (!formVersion) throw new AppError(ProceduresErrors.FORM_VERSION_NOT_FOUND, { problems: [{ name: '/version', in: 'body', detail: { ja: `申請様式「${request.body.formCode}」の第${request.body.version}版は、この団体で公開されていません`, en: `Version ${request.body.version} of form "${request.body.formCode}" is not published by this tenant` } }] });
      }
      const version = await ctx.app.db.transaction().execute(async (trx) => {
        const saved = await linkProcedure(proceduresDb(trx), lgCode, code, formVersion?.id ?? null, expected, actorId(request.actor));
        if (saved === undefined) throw staleWrite(false);
        await audit(trx, request, 'procedures.procedure_form_linked', lgCode, `procedure:${lgCode}/${code}`, { version: saved, formVersionId: formVersion?.id ?? null, form: formVersion ? `${formVersion.formCode}@${formVersion.version}` : null });
        return saved;
      });
      reply.header('etag', etag(version));
      return { lgCode, code, version, formVersionId: formVersion?.id ?? null, form: formVersion ? versionJson(formVersion, false) : null };
    },
  );
}
