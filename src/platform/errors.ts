// Every error the platform answers with is defined in a registry like this one: a code
// (TSN_<MODULE>_<REASON>), an HTTP status and a title in Japanese and English. Handlers throw
// AppError with a definition; one error handler (http/problem.ts) renders it as RFC 9457
// problem+json for APIs or as an HTML page for people. A test checks codes are unique and
// documented in docs/errors.md.
export type Localized = { ja: string; en: string };

export interface ErrorDefinition {
  code: string;
  status: number;
  title: Localized;
}

export interface FieldProblem {
  /** Name of the parameter or field, or a JSON pointer into the body (e.g. "/contact/phone"). */
  name: string;
  in: 'path' | 'query' | 'body' | 'header' | 'form';
  detail: Localized;
}

const registry = new Map<string, ErrorDefinition>();

export function defineErrors<K extends string>(
  area: string,
  definitions: Record<K, { status: number; ja: string; en: string }>,
): Record<K, ErrorDefinition> {
  const out = {} as Record<K, ErrorDefinition>;
  for (const key of Object.keys(definitions) as K[]) {
    const { status, ja, en } = definitions[key];
    const code = `TSN_${area}_${key}`;
    if (registry.has(code)) throw new Error(`Error code ${code} is defined twice`);
    const definition = { code, status, title: { ja, en } };
    registry.set(code, definition);
    out[key] = definition;
  }
  return out;
}

export function allErrorDefinitions(): ErrorDefinition[] {
  return [...registry.values()];
}

export function errorSlug(code: string): string {
  return code.replace(/^TSN_/, '').toLowerCase().replaceAll('_', '-');
}

export function findErrorBySlug(slug: string): ErrorDefinition | undefined {
  return [...registry.values()].find((d) => errorSlug(d.code) === slug);
}

export class AppError extends Error {
  readonly definition: ErrorDefinition;
  readonly detail: Localized | undefined;
  readonly problems: FieldProblem[];
  readonly headers: Record<string, string>;

  constructor(
    definition: ErrorDefinition,
    options: { detail?: Localized; problems?: FieldProblem[]; headers?: Record<string, string> } = {},
  ) {
    super(options.detail?.en ?? definition.title.en);
    this.name = 'AppError';
    this.definition = definition;
    this.detail = options.detail;
    this.problems = options.problems ?? [];
    this.headers = options.headers ?? {};
  }

  get status(): number {
    return this.definition.status;
  }
}

export const PlatformErrors = defineErrors('PLATFORM', {
  NOT_FOUND: { status: 404, ja: 'お探しのページまたはデータは見つかりません', en: 'Not found' },
  METHOD_NOT_ALLOWED: { status: 405, ja: 'この操作はできません', en: 'Method not allowed' },
  BAD_REQUEST: { status: 400, ja: 'リクエストの内容が正しくありません', en: 'Bad request' },
  VALIDATION: { status: 400, ja: '入力内容に誤りがあります', en: 'The request has invalid values' },
  MALFORMED_JSON: { status: 400, ja: 'JSONの形式が正しくありません', en: 'The body is not valid JSON' },
  BODY_TOO_LARGE: { status: 413, ja: '送信されたデータが大きすぎます', en: 'The request body is too large' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, ja: 'このデータ形式には対応していません', en: 'Unsupported media type' },
  RATE_LIMITED: { status: 429, ja: 'リクエストが多すぎます。しばらくしてからやり直してください', en: 'Too many requests; try again later' },
  CSRF: { status: 403, ja: 'フォームの有効期限が切れたか、正しくありません。ページを開き直してください', en: 'The form has expired or is not valid; reload the page' },
  UNAUTHENTICATED: { status: 401, ja: 'ログインが必要です', en: 'Authentication is required' },
  FORBIDDEN: { status: 403, ja: 'この操作を行う権限がありません', en: 'You are not allowed to do this' },
  CONFLICT: { status: 409, ja: '既に存在するか、現在の状態と矛盾します', en: 'This conflicts with the current state' },
  PRECONDITION_FAILED: { status: 412, ja: '他の人が先に変更しました。最新の内容を取得してからやり直してください', en: 'The resource changed since you read it; fetch it again and retry' },
  PRECONDITION_REQUIRED: { status: 428, ja: '更新にはIf-Matchヘッダーが必要です', en: 'An If-Match header is required to update' },
  INTERNAL: { status: 500, ja: 'システムで問題が発生しました', en: 'Something went wrong on our side' },
});
