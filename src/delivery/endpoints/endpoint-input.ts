// Checks an endpoint before it is saved, so an administrator hears about a bad URL at once (a
// 400 naming the field) rather than from failed deliveries later: an absolute http(s) URL
// (https only in production), no user name or password in it (credentials go in the token,
// which is sealed), no fragment, an address the outbound policy lets Tsunagu contact, a token
// that fits in a header, and procedure codes of this tenant's catalog.
import { AppError, type FieldProblem } from '../../platform/errors.ts';
import type { AppContext } from '../../platform/module.ts';
import { OutboundRefused } from '../../platform/outbound/outbound-guard.ts';
import { proceduresDb } from '../../procedures/db/schema.ts';
import { DeliveryErrors } from '../errors.ts';

export interface EndpointBody {
  url: string;
  token?: string | null;
  procedures?: string[] | null;
  enabled?: boolean;
}

export const endpointBodySchema = {
  type: 'object',
  required: ['url'],
  additionalProperties: false,
  properties: {
    url: { type: 'string', minLength: 1, maxLength: 2000 },
    token: { type: ['string', 'null'], maxLength: 4096 },
    procedures: { type: ['array', 'null'], maxItems: 500, uniqueItems: true, items: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,62}$' } },
    enabled: { type: 'boolean' },
  },
} as const;

const problem = (name: string, ja: string, en: string): FieldProblem => ({ name, in: 'body', detail: { ja, en } });

export async function checkEndpoint(app: AppContext, lgCode: string, body: EndpointBody): Promise<void> {
  const problems: FieldProblem[] = [];
  let url: URL | undefined;
  try {
    url = new URL(body.url);
  } catch {
    problems.push(problem('/url', 'URLは https:// で始まる絶対URLで入力してください', 'The URL must be an absolute URL starting with https://'));
  }
  if (url) {
    const schemes = app.config.production ? ['https:'] : ['https:', 'http:'];
    if (!schemes.includes(url.protocol)) problems.push(problem('/url', `URLは ${schemes.map((s) => `${s}//`).join(' か ')} で始めてください`, `The URL must start with ${schemes.map((s) => `${s}//`).join(' or ')}`));
    else if (url.username || url.password) problems.push(problem('/url', 'URLに利用者名やパスワードを含めないでください。認証情報はトークンに設定します', 'Put no user name or password in the URL; credentials go in the token'));
    else if (url.hash) problems.push(problem('/url', 'URLに「#」以降は含められません', 'The URL cannot have a fragment (#…)'));
    else {
      try {
        await app.outbound.check(url);
      } catch (error) {
        if (!(error instanceof OutboundRefused)) throw error;
        problems.push(problem('/url', `このURLには接続できません（${error.reason}）。接続先の許可は運用担当に依頼してください`, `Tsunagu may not contact this URL: ${error.reason}. Ask the operators to allow it`));
      }
    }
  }
  if (typeof body.token === 'string' && !/^[\x21-\x7e]{16,4096}$/.test(body.token)) {
    problems.push(problem('/token', 'トークンは空白を含まない16文字以上の半角英数字・記号で入力してください', 'The token must be 16 or more printable ASCII characters without spaces'));
  }
  if (body.procedures?.length) {
    const known = new Set((await proceduresDb(app.db).selectFrom('procedures_procedures').select('code').where('lg_code', '=', lgCode).where('code', 'in', body.procedures).execute()).map((r) => r.code));
    const unknown = body.procedures.filter((c) => !known.has(c));
    if (unknown.length) problems.push(problem('/procedures', `この団体の手続にないコードがあります：${unknown.join('、')}`, `Not procedures of this tenant: ${unknown.join(', ')}`));
  }
  if (problems.length) throw new AppError(DeliveryErrors.INVALID_ENDPOINT, { problems });
}
