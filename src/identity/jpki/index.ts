// The JPKI (公的個人認証) library: verifies a My Number card's signature over a server challenge and
// reads the basic four from its signature certificate, plus the TEST CA used in development and
// tests. Import from here; docs/identity-jpki.md describes the flow, the encoding and configuration.
export { verifyCardSignature, jpkiInputLimits } from './verify-signature.ts';
export type { CardSignatureInput, CardVerification, JpkiTrust, VerifiedCard } from './verify-signature.ts';
export { jpkiFailureCodes, jpkiFailure } from './failures.ts';
export type { FailureKind, JpkiFailure, JpkiFailureCode } from './failures.ts';
export { jpkiAttributeOids, readBasicFour, basicFourExtension, encodeDateOfBirth } from './basic-four.ts';
export type { BasicFour, ResidentBasicFour, Sex } from './basic-four.ts';
export { FileCrlSource, HttpCrlSource, StaticCrlSource, crlSourceFor, parseCrl } from './crl-source.ts';
export type { CrlLoad, CrlSource, CrlSourceOptions } from './crl-source.ts';
export { loadJpkiTrust, JpkiConfigError } from './trust.ts';
export type { JpkiTrustSettings, LoadedJpkiTrust } from './trust.ts';
export { openDevelopmentJpki, republishDevelopmentCrl, developmentCaDirName } from './development-ca.ts';
export type { DevelopmentJpki } from './development-ca.ts';
export { createDemoCards } from './demo-cards.ts';
export type { DemoCard } from './demo-cards.ts';
export {
  createTestCa,
  issueCard,
  revokeCard,
  publishCrl,
  exportCard,
  saveTestCa,
  loadTestCa,
  writeCrl,
  crlFile,
  generateRsaKeys,
  randomSerialNumber,
  testCaCommonName,
} from './test-ca.ts';
export type { CreateTestCaOptions, ExportedCard, IssueCardOptions, RevokedCard, TestCa, TestCard } from './test-ca.ts';
export { cardSignatureAlgorithm } from './pki.ts';
