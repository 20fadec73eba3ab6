// Every message key exists in both languages, and every key is used somewhere in the code, so
// a page never throws for a missing translation and the catalogues do not fill with dead text.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import platformJa from '../ja.json' with { type: 'json' };
import platformEn from '../en.json' with { type: 'json' };
import { installedModules } from '../../../modules.ts';

// The platform's catalogues and every installed module's, as the running server merges them.
const ja: Record<string, string> = { ...platformJa, ...Object.assign({}, ...installedModules.map((m) => m.messages?.ja ?? {})) };
const en: Record<string, string> = { ...platformEn, ...Object.assign({}, ...installedModules.map((m) => m.messages?.en ?? {})) };

const srcDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/**
 * Keys the code builds at run time (`t(\`preferences.textSize.${size}\`)`): a key under one of
 * these prefixes counts as used when the prefix appears in a template literal. Add an entry
 * here, with the place that builds it, when you add such a key family.
 */
const DYNAMIC_PREFIXES = [
  'layout.switchTo.', // ui/layout.tsx: the other language's name
  'preferences.textSize.', // ui/layout.tsx, ui/preferences-routes.tsx: one per text size
  'preferences.contrast.', // ui/layout.tsx, ui/preferences-routes.tsx: one per contrast
  'home.count.', // tenancy/views/home-page.tsx: one per plural category (Intl.PluralRules)
  'oidc.scope.', // identity/oidc/oidc-routes.tsx: one per OIDC scope on the consent page
  'identity.email.', // identity/pages/form-checks.ts: one per e-mail problem
  'identity.password.', // identity/pages/form-checks.ts: one per password problem
  'identity.linkTitle.', // identity/pages/sign-up-pages.tsx: one per unusable-link reason
  'identity.linkLead.', // identity/pages/sign-up-pages.tsx: one per unusable-link reason
  'identity.level.', // identity/pages/account-pages.tsx: one per assurance level
  'identity.levelAbout.', // identity/pages/account-pages.tsx: one per assurance level
  'identity.account.done.', // identity/pages/account-pages.tsx: one per completed action
  'procedures.arrivalMail.lead.', // procedures/workflow/arrival-mail.ts: one per way an application reaches a stage
  'procedures.staffApp.queueStatus.', // procedures/pages/staff-application-pages.tsx: one per queue status filter
  'procedures.staffApp.action.', // procedures/pages/staff-application-pages.tsx: one per recorded action
  'procedures.staffApp.decision.', // procedures/pages/staff-application-pages.tsx: one per decision button
  'identity.codeMissing.', // identity/pages/second-factor-pages.tsx: one per second-factor method
  'identity.codeInvalid.', // identity/pages/second-factor-pages.tsx: one per second-factor method
  'identity.profileMissing.', // identity/pages/profile-pages.tsx: one per required name field
  'identity.document.', // identity/pages/counter-pages.tsx: one per kind of identity document
  'identity.check.', // identity/pages/counter-pages.tsx: the reasons a check must start again
  'identity.changeEmail.why.', // identity/pages/email-pages.tsx: one per unusable-link reason
  'identity.proxy.status.', // identity/pages/proxy-pages.tsx: one per mandate status
  'identity.proxy.done.', // identity/pages/proxy-pages.tsx: one per completed action
  'identity.proxy.acceptFailed.', // identity/pages/proxy-pages.tsx: one per refusal reason
  'identity.relationship.', // identity/pages/household-pages.tsx: one per relationship
  'optin.consent.blocked.', // optin/pages/consent-pages.tsx: why a consent request cannot be answered (title and lead)
  'optin.sensitivity.', // optin/pages/consent-pages.tsx: one per data item sensitivity
  'optin.state.', // optin/pages/my-data-pages.tsx: one per consent state
  'optin.outcome.', // optin/pages/my-data-pages.tsx: one per gateway call outcome
  'optin.reason.', // optin/pages/my-data-pages.tsx: one per refusal or failure reason
  'optin.gov.done.', // optin/pages/governance-pages.tsx: one per service decision
  'optin.serviceStatus.', // optin/pages/governance-pages.tsx: one per service status
  'optin.providerStatus.', // optin/pages/governance-pages.tsx: one per provider status
  'procedures.channel.', // procedures/pages/procedure-views.tsx: one per channel
  'procedures.level.', // procedures/pages/procedure-views.tsx: one per assurance level
  'procedures.levelAbout.', // procedures/pages/catalog-pages.tsx: one per assurance level
  'procedures.result.group.', // procedures/pages/navigation-result.tsx: one per channel
  'procedures.search.count.', // procedures/pages/catalog-pages.tsx: one per plural category
  'procedures.result.lead.', // procedures/pages/navigation-result.tsx: one per plural category
  'procedures.payment.status.', // procedures/pages/payment-pages.tsx: one per payment status
  'procedures.payment.resultTitle.', // procedures/pages/payment-pages.tsx: the result page, one per payment status
  'procedures.payment.resultBody.', // procedures/pages/payment-pages.tsx: the result page, one per payment status
  'procedures.payment.provider.', // procedures/pages/payment-pages.tsx: one per payment provider
  'portal.notices.category.', // portal/notices/notice-pages.tsx: one per notice category
  'portal.staff.state.', // portal/notices/staff-notice-pages.tsx: one per publication state
  'portal.staff.done.', // portal/notices/staff-notice-pages.tsx: one per completed action
  'reservations.error.', // reservations/pages/reservation-pages.tsx: one per refused booking
  'reservations.status.', // reservations/pages/reservation-pages.tsx: one per booking status
  'documents.verdict.', // documents/pages/verify-pages.tsx: one per verification verdict
  'documents.verdictLead.', // documents/pages/verify-pages.tsx: one per verification verdict
  'delivery.status.', // delivery/pages/delivery-pages.tsx: one per delivery status
  'ui.era.', // ui/components/date-input/date-input.tsx: one per Japanese era
  'ui.dateInput.', // ui/components/date-input/date-input.tsx: the year, month and day box labels
];

function sourceFiles(dir: string, out: string[] = []): string[] {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      // Tests may mention keys; only the application's use counts.
      if (entry.name !== 'test' && entry.name !== 'node_modules') sourceFiles(full, out);
    } else if (/\.tsx?$/.test(entry.name)) {
      out.push(full);
    }
  }
  return out;
}

/** Keys present in one catalogue and not in the other. */
export function catalogueDifferences(a: Record<string, string>, b: Record<string, string>): { onlyInA: string[]; onlyInB: string[] } {
  return {
    onlyInA: Object.keys(a).filter((k) => !(k in b)),
    onlyInB: Object.keys(b).filter((k) => !(k in a)),
  };
}

/** Keys that no source file mentions, as a quoted string or through a dynamic prefix. */
export function unusedKeys(keys: string[], sources: string[], dynamicPrefixes: string[]): string[] {
  const code = sources.join('\n');
  const usedPrefixes = dynamicPrefixes.filter((prefix) => code.includes(`\`${prefix}\${`));
  return keys.filter((key) => {
    if (usedPrefixes.some((prefix) => key.startsWith(prefix) && !key.slice(prefix.length).includes('.'))) return false;
    return !(code.includes(`'${key}'`) || code.includes(`"${key}"`) || code.includes(`\`${key}\``));
  });
}

describe('message catalogues', () => {
  const sources = sourceFiles(srcDir).map((file) => fs.readFileSync(file, 'utf8'));

  it('ja and en catalogues should have the same keys when compared', () => {
    const { onlyInA, onlyInB } = catalogueDifferences(ja, en);
    assert.deepEqual(onlyInA, [], `keys in ja.json but not en.json: ${onlyInA.join(', ')}`);
    assert.deepEqual(onlyInB, [], `keys in en.json but not ja.json: ${onlyInB.join(', ')}`);
  });

  it('every message should have text in both languages when defined', () => {
    for (const [name, catalogue] of Object.entries({ ja, en } as Record<string, Record<string, string>>)) {
      for (const [key, value] of Object.entries(catalogue)) assert.ok(value.trim().length > 0, `${name}.json: ${key} is empty`);
    }
  });

  it('every message key should be used in src when defined', () => {
    const unused = unusedKeys(Object.keys(ja), sources, DYNAMIC_PREFIXES);
    assert.deepEqual(unused, [], `keys defined but never used: ${unused.join(', ')}`);
  });

  it('every dynamic prefix should still be built somewhere in src when listed', () => {
    const code = sources.join('\n');
    for (const prefix of DYNAMIC_PREFIXES) assert.ok(code.includes(`\`${prefix}\${`), `no code builds keys with \`${prefix}\${…}\``);
  });

  it('the checks should report a key when it is missing from one language or unused', () => {
    // The checks themselves can fail: a key only in one catalogue and a key nobody uses are found.
    assert.deepEqual(catalogueDifferences({ a: '1', b: '2' }, { a: '1', c: '3' }), { onlyInA: ['b'], onlyInB: ['c'] });
    const code = ["t('home.title')", 't(`preferences.textSize.${size}`)'];
    assert.deepEqual(
      unusedKeys(['home.title', 'home.lead', 'preferences.textSize.large', 'preferences.textSize.large.hint'], code, ['preferences.textSize.']),
      ['home.lead', 'preferences.textSize.large.hint'],
    );
  });
});
