// A procedure as staff send it (PUT /api/v1/procedures/{lgCode}/{code}): the JSON shape, then
// the checks a schema cannot make (the department and life events exist, the channel has what
// it needs, the external address is usable, the kana is kana). All problems are reported at
// once, each with its field.
import type { FieldProblem, Localized } from '../../platform/errors.ts';
import { AppError } from '../../platform/errors.ts';
import type { ProcedureInput } from '../catalog/catalog-store.ts';
import { findDepartment, listLifeEvents } from '../catalog/catalog-store.ts';
import type { AssuranceLevel, Channel, ProcedureStatus } from '../db/schema.ts';
import { ProceduresErrors } from '../errors.ts';
import type { ProceduresContext } from '../procedures-context.ts';

const text = (max: number, min = 1) =>
  ({ type: 'object', additionalProperties: false, required: ['ja', 'en'], properties: { ja: { type: 'string', minLength: min, maxLength: max }, en: { type: 'string', minLength: min, maxLength: max } } }) as const;

export const procedureBodySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['departmentCode', 'title', 'assuranceLevel', 'channel', 'status'],
  properties: {
    departmentCode: { type: 'string', pattern: '^[a-z][a-z0-9-]{1,40}$' },
    title: text(200),
    summary: text(2000, 0),
    kana: { type: 'string', maxLength: 200 },
    lifeEvents: { type: 'array', maxItems: 10, uniqueItems: true, items: { type: 'string', pattern: '^[a-z][a-z0-9-]{1,40}$' } },
    assuranceLevel: { type: 'string', enum: ['A', 'B', 'C'] },
    fees: {
      type: 'array',
      maxItems: 20,
      items: { type: 'object', additionalProperties: false, required: ['label', 'amountYen'], properties: { label: text(200), amountYen: { type: 'integer', minimum: 0, maximum: 10_000_000 } } },
    },
    documents: {
      type: 'array',
      maxItems: 30,
      items: { type: 'object', additionalProperties: false, required: ['name'], properties: { name: text(200), note: text(1000, 0), required: { type: 'boolean' } } },
    },
    channel: { type: 'string', enum: ['portal', 'external', 'counter'] },
    external: { type: 'object', additionalProperties: false, required: ['url', 'name'], properties: { url: { type: 'string', minLength: 1, maxLength: 2000 }, name: text(200) } },
    counter: { type: 'object', additionalProperties: false, required: ['place'], properties: { place: text(500) } },
    status: { type: 'string', enum: ['draft', 'published'] },
    sortOrder: { type: 'integer', minimum: 0, maximum: 100_000 },
    acceptsGenericForm: { type: 'boolean' },
  },
} as const;

export interface ProcedureBody {
  departmentCode: string;
  title: Localized;
  summary?: Localized;
  kana?: string;
  lifeEvents?: string[];
  assuranceLevel: AssuranceLevel;
  fees?: Array<{ label: Localized; amountYen: number }>;
  documents?: Array<{ name: Localized; note?: Localized; required?: boolean }>;
  channel: Channel;
  external?: { url: string; name: Localized };
  counter?: { place: Localized };
  status: ProcedureStatus;
  sortOrder?: number;
  acceptsGenericForm?: boolean;
}

const KANA = /^[\p{Script=Hiragana}\p{Script=Katakana}ー・ 　]*$/u;

/** An external system's address: absolute https (http only outside production), no credentials. */
export function externalUrlProblem(value: string, production: boolean): Localized | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return { ja: '外部サイトのアドレスは https:// から始まる完全な URL で指定してください', en: 'The external address must be an absolute URL starting with https://' };
  }
  if (url.username || url.password) return { ja: 'アドレスに認証情報を含めないでください', en: 'The address must not hold credentials' };
  if (url.protocol === 'https:' || (url.protocol === 'http:' && !production)) return null;
  return { ja: '外部サイトのアドレスは https で指定してください', en: 'The external address must use https' };
}

export async function procedureInputOf(ctx: ProceduresContext, lgCode: string, code: string, body: ProcedureBody, formVersionId: string | null): Promise<ProcedureInput> {
  const problems: FieldProblem[] = [];
  const problem = (name: string, ja: string, en: string) => problems.push({ name, in: 'body', detail: { ja, en } });
  if (!(await findDepartment(ctx.db, lgCode, body.departmentCode))) {
    problem('/departmentCode', `担当課「${body.departmentCode}」はこの団体に登録されていません`, `Department "${body.departmentCode}" is not registered for this tenant`);
  }
  const events = new Set((await listLifeEvents(ctx.db)).map((e) => e.code));
  (body.lifeEvents ?? []).forEach((e, i) => {
    if (!events.has(e)) problem(`/lifeEvents/${i}`, `ライフイベント「${e}」はありません`, `There is no life event "${e}"`);
  });
  const kana = (body.kana ?? '').normalize('NFKC').trim();
  if (!KANA.test(kana)) problem('/kana', '読みはひらがなかカタカナで入力してください', 'The reading must be hiragana or katakana');
  if (body.channel === 'external') {
    if (!body.external) problem('/external', '外部サイトで申請する手続には、外部サイトの名前とアドレス（external）が必要です', 'An external procedure needs the external system’s name and address (external)');
    else {
      const bad = externalUrlProblem(body.external.url, ctx.app.config.production);
      if (bad) problem('/external/url', bad.ja, bad.en);
    }
  } else if (body.external) problem('/external', '外部サイトの指定（external）は channel が external のときだけ使えます', 'external is only for channel "external"');
  if (body.channel === 'counter' && !body.counter) problem('/counter', '窓口の手続には、窓口の場所（counter.place）が必要です', 'A counter procedure needs the place (counter.place)');
  if (body.channel !== 'counter' && body.counter) problem('/counter', '窓口の指定（counter）は channel が counter のときだけ使えます', 'counter is only for channel "counter"');
  if (problems.length > 0) throw new AppError(ProceduresErrors.INVALID_PROCEDURE, { problems });
  const empty = { ja: '', en: '' };
  return {
    lgCode,
    code,
    departmentCode: body.departmentCode,
    title: body.title,
    summary: body.summary ?? empty,
    kana,
    lifeEvents: body.lifeEvents ?? [],
    assuranceLevel: body.assuranceLevel,
    fees: body.fees ?? [],
    documents: (body.documents ?? []).map((d) => ({ name: d.name, note: d.note ?? empty, required: d.required ?? true })),
    channel: body.channel,
    external: body.channel === 'external' ? body.external ?? null : null,
    counter: body.channel === 'counter' ? body.counter ?? null : null,
    status: body.status,
    formVersionId,
    sortOrder: body.sortOrder ?? 0,
    acceptsGenericForm: body.acceptsGenericForm ?? false,
  };
}
