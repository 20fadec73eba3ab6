// `tsunagu jpki …`: the development TEST CA from the console.
//   jpki test-ca                  create it in <data dir>/jpki-test-ca/ if missing; show it and the demo cards
//   jpki issue --name N --address A --birth YYYY-MM-DD --sex male|female|unknown [--days D]
//                                 issue a card for a test resident; prints { certificate, privateKey } as JSON
//   jpki revoke SERIAL            revoke a card and republish the CRL
// Every command refuses to run with NODE_ENV=production: the TEST CA must never be trusted there.
import { parseArgs } from 'node:util';
import type { Sex } from './basic-four.ts';
import { openDevelopmentJpki, republishDevelopmentCrl } from './development-ca.ts';
import { toHex, subtle } from './pki.ts';
import { exportCard, issueCard, revokeCard, saveTestCa } from './test-ca.ts';

export interface JpkiCliSettings {
  dataDir: string;
  production: boolean;
}

export interface JpkiCliOutput {
  out(line: string): void;
  err(line: string): void;
}

const usage = `usage: tsunagu jpki test-ca
       tsunagu jpki issue --name NAME --address ADDRESS --birth YYYY-MM-DD --sex male|female|unknown [--days N]
       tsunagu jpki revoke SERIAL`;

class JpkiCliError extends Error {}

async function showTestCa(settings: JpkiCliSettings, io: JpkiCliOutput): Promise<void> {
  const { dir, ca, demoCards } = await openDevelopmentJpki(settings.dataDir);
  const fingerprint = toHex(await subtle.digest('SHA-256', ca.certificate.rawData));
  io.out(`TEST CA (not J-LIS): ${ca.certificate.subject}`);
  io.out(`  directory   ${dir}`);
  io.out(`  SHA-256     ${fingerprint}`);
  io.out(`  valid       ${ca.certificate.notBefore.toISOString()} – ${ca.certificate.notAfter.toISOString()}`);
  io.out(`  revoked     ${ca.revoked.length} card(s)`);
  io.out('Demo cards (demo-cards.json holds their certificates and PKCS#8 keys):');
  for (const card of demoCards) io.out(`  ${card.id.padEnd(18)} ${card.expected.padEnd(16)} ${card.label.en}`);
}

async function issue(args: string[], settings: JpkiCliSettings, io: JpkiCliOutput): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { name: { type: 'string' }, address: { type: 'string' }, birth: { type: 'string' }, sex: { type: 'string' }, days: { type: 'string' } },
  });
  const { name, address, birth, sex } = values;
  if (!name || !address || !birth || !sex) throw new JpkiCliError(usage);
  if (!['male', 'female', 'unknown'].includes(sex)) throw new JpkiCliError('--sex must be male, female or unknown');
  const days = Number(values.days ?? 365 * 5);
  if (!Number.isInteger(days) || days < 1) throw new JpkiCliError('--days must be a positive whole number');
  const { ca } = await openDevelopmentJpki(settings.dataDir);
  const now = Date.now();
  let card;
  try {
    card = await issueCard(ca, {
      resident: { name, address, dateOfBirth: birth, sex: sex as Sex },
      notBefore: new Date(now - 60 * 60_000),
      notAfter: new Date(now + days * 24 * 60 * 60_000),
    });
  } catch (error) {
    throw new JpkiCliError((error as Error).message);
  }
  io.out(JSON.stringify({ serialNumber: card.certificate.serialNumber, ...(await exportCard(card)) }, null, 2));
}

async function revoke(args: string[], settings: JpkiCliSettings, io: JpkiCliOutput): Promise<void> {
  const serial = args[0]?.toLowerCase();
  if (!serial || !/^[0-9a-f]+$/.test(serial)) throw new JpkiCliError('usage: tsunagu jpki revoke SERIAL (hexadecimal)');
  const { dir, ca } = await openDevelopmentJpki(settings.dataDir);
  revokeCard(ca, serial, new Date());
  await saveTestCa(ca, dir);
  await republishDevelopmentCrl(dir, new Date());
  io.out(`Revoked ${serial}; the CRL in ${dir} lists ${ca.revoked.length} card(s).`);
}

export async function runJpkiCommand(
  args: string[],
  settings: JpkiCliSettings,
  io: JpkiCliOutput = { out: (l) => console.log(l), err: (l) => console.error(l) },
): Promise<number> {
  try {
    if (settings.production) throw new JpkiCliError('the JPKI TEST CA is for development only (NODE_ENV=production)');
    const [sub, ...rest] = args;
    if (sub === 'test-ca') await showTestCa(settings, io);
    else if (sub === 'issue') await issue(rest, settings, io);
    else if (sub === 'revoke') await revoke(rest, settings, io);
    else throw new JpkiCliError(usage);
    return 0;
  } catch (error) {
    if (!(error instanceof JpkiCliError) && !(error instanceof TypeError && 'code' in error)) throw error;
    io.err(`tsunagu: ${error.message}`);
    return 2;
  }
}
