// What other modules may use of documents: issue a signed document for a resident (the procedures
// workflow calls this when an application is approved) and revoke one.
export { issueDocument, revokeDocument, headTitleOf } from './issue-document.ts';
export type { IssueDocumentInput, IssuedDocument } from './issue-document.ts';
