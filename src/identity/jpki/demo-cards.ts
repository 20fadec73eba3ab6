// The cards the card-simulator page offers: two residents whose cards work (with names that need
// JIS X 0213 / MJ characters) and one card for each way a real card is refused. Every name and
// address is invented.
import type { ResidentBasicFour } from './basic-four.ts';
import type { JpkiFailureCode } from './failures.ts';
import { createTestCa, exportCard, generateRsaKeys, issueCard, revokeCard, testCaCommonName, type TestCa } from './test-ca.ts';

export interface DemoCard {
  id: string;
  label: { ja: string; en: string };
  /** What verifying a signature made with this card gives. */
  expected: 'ok' | JpkiFailureCode;
  resident: ResidentBasicFour;
  /** DER, base64. */
  certificate: string;
  /** PKCS#8, base64, for WebCrypto importKey('pkcs8', …, RSASSA-PKCS1-v1_5 / SHA-256). */
  privateKey: string;
}

const day = 24 * 60 * 60_000;
const year = 365 * day;

const residents = {
  takahashi: { name: '髙橋　𠮷男', address: '福島県福島市見本町一丁目２番３号', dateOfBirth: '1985-04-12', sex: 'male' },
  yamazaki: { name: '山﨑　花子', address: '福島県会津若松市見本町四丁目５番６号', dateOfBirth: '1992-11-30', sex: 'female' },
  sato: { name: '佐藤　一郎', address: '福島県郡山市見本町七丁目８番９号', dateOfBirth: '1950-01-05', sex: 'male' },
  suzuki: { name: '鈴木　次郎', address: '福島県いわき市見本町１番地', dateOfBirth: '1978-07-07', sex: 'male' },
  tanaka: { name: '田中　三郎', address: '福島県須賀川市見本町２番地', dateOfBirth: '2001-02-28', sex: 'male' },
  ito: { name: '伊藤　美咲', address: '福島県白河市見本町３番地', dateOfBirth: '1969-12-31', sex: 'female' },
} satisfies Record<string, ResidentBasicFour>;

/**
 * Issues the demo cards from `ca` (revoking the revoked one in `ca.revoked`: publish a CRL
 * afterwards). The untrusted card comes from an impostor CA that copies the test CA's name.
 */
export async function createDemoCards(ca: TestCa, now: Date = new Date()): Promise<DemoCard[]> {
  const current = { notBefore: new Date(now.getTime() - day), notAfter: new Date(now.getTime() + 5 * year) };
  const cards: DemoCard[] = [];
  const add = async (
    id: string,
    label: DemoCard['label'],
    expected: DemoCard['expected'],
    resident: ResidentBasicFour,
    issued: Awaited<ReturnType<typeof issueCard>>,
    signingKey?: CryptoKeyPair,
  ) => {
    const exported = await exportCard(signingKey ? { certificate: issued.certificate, keys: signingKey } : issued);
    cards.push({ id, label, expected, resident, ...exported });
  };

  await add('takahashi', { ja: '髙橋 𠮷男（有効なカード）', en: 'Takahashi Yoshio (valid card)' }, 'ok', residents.takahashi,
    await issueCard(ca, { resident: residents.takahashi, ...current }));
  await add('yamazaki', { ja: '山﨑 花子（有効なカード）', en: 'Yamazaki Hanako (valid card)' }, 'ok', residents.yamazaki,
    await issueCard(ca, { resident: residents.yamazaki, ...current }));

  await add('expired', { ja: '佐藤 一郎（有効期限切れ）', en: 'Sato Ichiro (expired)' }, 'expired', residents.sato,
    await issueCard(ca, {
      resident: residents.sato,
      notBefore: new Date(now.getTime() - 5 * year - day),
      notAfter: new Date(now.getTime() - day),
    }));

  const revoked = await issueCard(ca, { resident: residents.suzuki, ...current });
  revokeCard(ca, revoked.certificate.serialNumber, new Date(now.getTime() - 60 * 60_000));
  await add('revoked', { ja: '鈴木 次郎（失効済み）', en: 'Suzuki Jiro (revoked)' }, 'revoked', residents.suzuki, revoked);

  const impostor = await createTestCa({ commonName: testCaCommonName, now });
  await add('untrusted-issuer', { ja: '田中 三郎（信頼できない発行者）', en: 'Tanaka Saburo (untrusted issuer)' },
    'untrusted_chain', residents.tanaka, await issueCard(impostor, { resident: residents.tanaka, ...current }));

  // The certificate is genuine, but the key "in the chip" is not the one it certifies.
  await add('wrong-key', { ja: '伊藤 美咲（証明書と鍵が一致しない）', en: 'Ito Misaki (key does not match certificate)' },
    'bad_signature', residents.ito, await issueCard(ca, { resident: residents.ito, ...current }), await generateRsaKeys());
  return cards;
}
