// What other modules may use of documents: issue a signed document for a resident (the procedures
// workflow calls this when an application is approved) and revoke one.
export { issueDocument, revokeDocument, headTitleOf } from './issue-document.ts';
export type { IssueDocumentInput, IssuedDocument } from './issue-document.ts';
export { municipalSigner, municipalSigningCaPem } from './signing/sign-as-municipality.ts';
export type { MunicipalSigner } from './signing/sign-as-municipality.ts';
export { japaneseFonts, hanScriptFontkit, noShaping, wrap } from './pdf/render-document.ts';
export { warekiDate, seirekiDate } from './pdf/japanese-dates.ts';
