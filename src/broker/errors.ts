// NGSI-LD errors (ETSI GS CIM 009 v1.9.1, clause 5.5.2 and 6.3.2). The broker answers with the
// spec's ProblemDetails types and status codes, not the platform's TSN_ codes, because NGSI-LD
// clients and conformance suites match on these URIs. Every broker function throws NgsiError;
// the broker's error handler (http/broker-errors.ts) renders it as application/json.
export const NGSI_ERROR_BASE = 'https://uri.etsi.org/ngsi-ld/errors/';

export const NgsiErrorTypes = {
  InvalidRequest: 400,
  BadRequestData: 400,
  AlreadyExists: 409,
  Conflict: 409,
  OperationNotSupported: 422,
  ResourceNotFound: 404,
  InternalError: 500,
  TooComplexQuery: 403,
  TooManyResults: 403,
  LdContextNotAvailable: 504,
  NoMultiTenantSupport: 501,
  NonexistentTenant: 404,
  // Not spec types, but answered in the same shape: the platform guard's refusals.
  Unauthorized: 401,
  Forbidden: 403,
  // HTTP-level refusals the spec leaves to HTTP (wrong media type, body too large, bad Accept).
  UnsupportedMediaType: 415,
  NotAcceptable: 406,
  PayloadTooLarge: 413,
  PreconditionFailed: 412,
  TooManyRequests: 429,
  // A distributed write that no part of succeeded because a context source failed (clause 4.3.6).
  ContextSourceFailed: 502,
} as const;

export type NgsiErrorType = keyof typeof NgsiErrorTypes;

const specTypes = new Set<NgsiErrorType>([
  'InvalidRequest', 'BadRequestData', 'AlreadyExists', 'Conflict', 'OperationNotSupported', 'ResourceNotFound',
  'InternalError', 'TooComplexQuery', 'TooManyResults', 'LdContextNotAvailable', 'NoMultiTenantSupport',
  'NonexistentTenant',
]);

export class NgsiError extends Error {
  readonly type: NgsiErrorType;
  readonly status: number;
  readonly title: string;
  readonly detail: string;
  readonly headers: Record<string, string>;

  constructor(type: NgsiErrorType, detail: string, options: { title?: string; headers?: Record<string, string> } = {}) {
    super(detail);
    this.name = 'NgsiError';
    this.type = type;
    this.status = NgsiErrorTypes[type];
    this.title = options.title ?? defaultTitle(type);
    this.detail = detail;
    this.headers = options.headers ?? {};
  }

  /** The spec's ProblemDetails body: { type, title, detail } (+ status for convenience). */
  toJSON(): { type: string; title: string; status: number; detail: string } {
    const uri = specTypes.has(this.type) ? `${NGSI_ERROR_BASE}${this.type}` : `https://tsunagu.example/problems/ngsi-ld/${this.type}`;
    return { type: uri, title: this.title, status: this.status, detail: this.detail };
  }
}

function defaultTitle(type: NgsiErrorType): string {
  switch (type) {
    case 'InvalidRequest': return 'The request is not well-formed';
    case 'BadRequestData': return 'The request includes input data which does not meet the requirements of the operation';
    case 'AlreadyExists': return 'The referred element already exists';
    case 'Conflict': return 'The operation conflicts with the current state of the system';
    case 'OperationNotSupported': return 'The operation is not supported';
    case 'ResourceNotFound': return 'The referred resource has not been found';
    case 'InternalError': return 'There has been an error during the operation execution';
    case 'TooComplexQuery': return 'The query is too complex to be answered';
    case 'TooManyResults': return 'The query would return too many results';
    case 'LdContextNotAvailable': return 'A remote JSON-LD @context could not be retrieved';
    case 'NoMultiTenantSupport': return 'Multi-tenancy is not supported';
    case 'NonexistentTenant': return 'The tenant does not exist';
    case 'Unauthorized': return 'Credentials are required';
    case 'Forbidden': return 'The caller may not do this';
    case 'UnsupportedMediaType': return 'The content type is not supported';
    case 'NotAcceptable': return 'None of the accepted media types can be produced';
    case 'PayloadTooLarge': return 'The request body is too large';
    case 'PreconditionFailed': return 'A precondition failed';
    case 'TooManyRequests': return 'Too many requests';
    case 'ContextSourceFailed': return 'A registered context source did not carry out its part of the operation';
  }
}
