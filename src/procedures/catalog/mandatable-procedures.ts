// The catalogue as the identity module's mandate pages need it (provided at boot through
// identity's provideProcedureCatalogue): the procedures a proxy could apply for online, to choose
// from when a mandate is given, and the names of the procedures a mandate lists.
import type { ProcedureCatalogue } from '../../identity/exports.ts';
import type { Localized } from '../../platform/errors.ts';
import type { ProceduresContext } from '../procedures-context.ts';

const titleOf = (r: { title_ja: string; title_en: string }): Localized => ({ ja: r.title_ja, en: r.title_en });

export function mandatableProcedures(ctx: ProceduresContext): ProcedureCatalogue {
  return {
    async choicesFor(lgCode) {
      const tenant = await ctx.app.tenants.get(lgCode);
      if (!tenant) return [];
      const owners = [...new Set([tenant.lgCode, tenant.prefectureCode])];
      const rows = await ctx.db
        .selectFrom('procedures_procedures')
        .select(['lg_code', 'code', 'title_ja', 'title_en'])
        .where('lg_code', 'in', owners)
        .where('status', '=', 'published')
        .where('practice', '=', false)
        // Online here: a published form on this portal, or the generic form (汎用様式).
        .where((eb) => eb.or([eb.and([eb('channel', '=', 'portal'), eb('form_version_id', 'is not', null)]), eb('accepts_generic_form', '=', true)]))
        .orderBy((eb) => eb.case().when('lg_code', '=', tenant.lgCode).then(0).else(1).end())
        .orderBy('sort_order')
        .orderBy('code')
        .execute();
      return rows.map((r) => ({ lgCode: r.lg_code, code: r.code, title: titleOf(r) }));
    },
    async named(refs) {
      if (refs.length === 0) return [];
      const rows = await ctx.db
        .selectFrom('procedures_procedures')
        .select(['lg_code', 'code', 'title_ja', 'title_en'])
        .where((eb) => eb.or(refs.map((r) => eb.and([eb('lg_code', '=', r.lgCode), eb('code', '=', r.code)]))))
        .execute();
      const found = new Map(rows.map((r) => [`${r.lg_code}/${r.code}`, r]));
      return refs.flatMap((r) => {
        const row = found.get(`${r.lgCode}/${r.code}`);
        return row ? [{ lgCode: row.lg_code, code: row.code, title: titleOf(row) }] : [];
      });
    },
  };
}
