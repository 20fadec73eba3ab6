// The resident's own record (都市OS保有データ), edited by the resident. Once an identity check has
// confirmed the names, date of birth and address (level B at a counter, level A from the My
// Number card), those fields are shown, not edited: changing them needs a new check. A save from
// a stale form (another device saved first) is refused with the current values, never lost.
//   GET/POST /account/profile
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { formValues, formView, messageOf, type FieldErrors, type FormValues } from '../../platform/ui/form-errors.ts';
import { pageCsrfToken, sendPage } from '../../platform/ui/render.tsx';
import { Button } from '../../platform/ui/components/button/button.tsx';
import { Checkboxes } from '../../platform/ui/components/checkboxes/checkboxes.tsx';
import { DateInput } from '../../platform/ui/components/date-input/date-input.tsx';
import { readDateInput } from '../../platform/ui/components/date-input/date-value.ts';
import { InsetText } from '../../platform/ui/components/inset-text/inset-text.tsx';
import { Radios } from '../../platform/ui/components/radios/radios.tsx';
import { Select } from '../../platform/ui/components/select/select.tsx';
import { SummaryList } from '../../platform/ui/components/summary-list/summary-list.tsx';
import { TextInput } from '../../platform/ui/components/text-input/text-input.tsx';
import type { Locale } from '../../platform/i18n/i18n.ts';
import type { IdentityContext } from '../identity-context.ts';
import { isKatakana, normaliseKana } from '../profile/kana.ts';
import { ProfileStore, type PersonalDetails, type Profile } from '../profile/profile.ts';
import { text } from './form-checks.ts';
import { requireSignedIn } from './page-helpers.ts';
import { appendAudit } from '../../platform/audit/audit-log.ts';

const NAME_MAX = 50;

function halfWidth(value: string): string {
  return value.normalize('NFKC').replace(/[‐‑–—―ー−]/g, '-').trim();
}

/** Checks the form; returns the details to save, or the errors (in the fields' order). */
export function readProfileForm(values: FormValues, municipalities: Set<string>, locked: Profile | undefined): { errors: FieldErrors; profile?: Omit<Profile, 'accountId' | 'version' | 'updatedAt'> } {
  const errors: FieldErrors = {};
  const personal: Partial<PersonalDetails> = locked ? { ...locked.personal } : {};
  if (!locked) {
    for (const field of ['familyName', 'givenName'] as const) {
      // Names are kept exactly as typed (異体字 must survive): only surrounding spaces go.
      const value = text(values, field).trim();
      if (!value) errors[field] = messageOf(`identity.profileMissing.${field}`);
      else if ([...value].length > NAME_MAX) errors[field] = messageOf('identity.profile.name.tooLong', { max: NAME_MAX });
      personal[field] = value;
    }
    for (const field of ['familyNameKana', 'givenNameKana'] as const) {
      const value = normaliseKana(text(values, field));
      if (!value) errors[field] = messageOf(`identity.profileMissing.${field}`);
      else if (!isKatakana(value)) errors[field] = messageOf('identity.profile.kana.notKana');
      personal[field] = value;
    }
    const reading = readDateInput({ year: text(values, 'birthDate-year'), month: text(values, 'birthDate-month'), day: text(values, 'birthDate-day') });
    if (reading.kind === 'missing') errors.birthDate = { message: messageOf('identity.profile.birthDate.missing'), parts: ['year', 'month', 'day'] };
    else if (reading.kind !== 'date') errors.birthDate = { message: messageOf('identity.profile.birthDate.invalid'), parts: reading.parts };
    else {
      const { year, month, day } = reading.date;
      const iso = `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
      if (iso > new Date().toISOString().slice(0, 10) || year < 1900) errors.birthDate = { message: messageOf('identity.profile.birthDate.range'), parts: ['year'] };
      personal.birthDate = iso;
    }
    const postal = halfWidth(text(values, 'postalCode')).replace(/^〒/, '');
    if (!/^\d{3}-?\d{4}$/.test(postal)) errors.postalCode = messageOf('identity.profile.postalCode.invalid');
    personal.postalCode = postal.length === 7 ? `${postal.slice(0, 3)}-${postal.slice(3)}` : postal;
    if (!municipalities.has(text(values, 'residence'))) errors.residence = messageOf('identity.profile.residence.missing');
    const line = text(values, 'addressLine').trim();
    if (!line) errors.addressLine = messageOf('identity.profile.addressLine.missing');
    else if ([...line].length > 200) errors.addressLine = messageOf('identity.profile.addressLine.tooLong');
    personal.addressLine = line;
  }
  const phone = halfWidth(text(values, 'phone'));
  if (phone && !/^0\d{1,4}-?\d{1,4}-?\d{3,4}$/.test(phone)) errors.phone = messageOf('identity.profile.phone.invalid');
  personal.phone = phone;
  personal.household = locked?.personal.household ?? [];
  const workplace = text(values, 'workplace');
  if (workplace && workplace !== 'outside' && !municipalities.has(workplace)) errors.workplace = messageOf('identity.profile.workplace.invalid');
  const language = text(values, 'language') === 'en' ? 'en' : 'ja';
  const contact = Array.isArray(values.contact) ? values.contact : values.contact ? [values.contact] : [];
  if (Object.keys(errors).length > 0) return { errors };
  return {
    errors,
    profile: {
      personal: personal as PersonalDetails,
      residenceLgCode: locked ? locked.residenceLgCode : text(values, 'residence'),
      workplaceLgCode: workplace && workplace !== 'outside' ? workplace : null,
      language,
      contact: { email: contact.includes('email'), inApp: contact.includes('inApp') },
    },
  };
}

export async function profilePages(app: FastifyInstance, ctx: IdentityContext): Promise<void> {
  const profiles = new ProfileStore(ctx.app.sealer);

  const municipalityItems = async (locale: Locale, emptyText: string, extra: Array<{ value: string; text: string }> = []) => {
    const trees = await ctx.app.tenants.trees();
    const items = [{ value: '', text: emptyText }];
    for (const tree of trees) for (const zone of tree.zones) for (const m of zone.municipalities) items.push({ value: m.lgCode, text: `${m.name[locale]}（${zone.name[locale]}）` });
    return [...items, ...extra];
  };

  const page = async (request: FastifyRequest, reply: FastifyReply, existing: Profile | undefined, locked: boolean, values: FormValues, errors: FieldErrors, status?: number) => {
    const { t, locale } = request;
    const view = formView({ values, errors }, locale);
    const tenants = (await ctx.app.tenants.snapshot()).tenants;
    return sendPage(reply, { title: t('identity.profile.title'), status: status ?? (view.hasErrors ? 422 : 200), errorSummary: view.errorSummary, backLink: { href: '/account' } }, (
      <form method="post" action="/account/profile" id="profile-form" novalidate>
        <input type="hidden" name="_csrf" value={pageCsrfToken(reply)} />
        <input type="hidden" name="version" value={String(existing?.version ?? 'new')} />
        <h1>{t('identity.profile.title')}</h1>
        <p>{t('identity.profile.lead')}</p>
        {locked && existing ? (
          <>
            <InsetText>{t('identity.profile.lockedLead')}</InsetText>
            <SummaryList
              rows={[
                { key: t('identity.profile.name'), value: `${existing.personal.familyName} ${existing.personal.givenName}` },
                { key: t('identity.profile.kana'), value: `${existing.personal.familyNameKana} ${existing.personal.givenNameKana}` },
                { key: t('identity.profile.birthDate'), value: existing.personal.birthDate },
                { key: t('identity.profile.address'), value: `〒${existing.personal.postalCode} ${tenants.get(existing.residenceLgCode ?? '')?.name[locale] ?? ''}${existing.personal.addressLine}` },
              ]}
            />
          </>
        ) : (
          <>
            <fieldset class="fieldset-plain">
              <legend class="fieldset__legend fieldset__legend--m">{t('identity.profile.name')}</legend>
              <TextInput label={t('identity.profile.familyName')} autocomplete="family-name" spellcheck={false} width="10" {...view.field('familyName')} />
              <TextInput label={t('identity.profile.givenName')} autocomplete="given-name" spellcheck={false} width="10" {...view.field('givenName')} />
              <TextInput label={t('identity.profile.familyNameKana')} hint={t('identity.profile.kanaHint')} spellcheck={false} width="10" {...view.field('familyNameKana')} />
              <TextInput label={t('identity.profile.givenNameKana')} spellcheck={false} width="10" {...view.field('givenNameKana')} />
            </fieldset>
            <DateInput legend={t('identity.profile.birthDate')} hint={t('identity.profile.birthDateHint')} autocomplete="bday" {...view.date('birthDate')} />
            <TextInput label={t('identity.profile.postalCode')} hint={t('identity.profile.postalCodeHint')} autocomplete="postal-code" inputmode="numeric" width="7" prefix="〒" {...view.field('postalCode')} />
            <Select label={t('identity.profile.residence')} items={await municipalityItems(locale, t('identity.profile.choose'))} {...view.field('residence')} />
            <TextInput label={t('identity.profile.addressLine')} hint={t('identity.profile.addressLineHint')} autocomplete="address-line1" spellcheck={false} {...view.field('addressLine')} />
          </>
        )}
        <TextInput label={t('identity.profile.phone')} hint={t('identity.profile.optional')} type="tel" autocomplete="tel" inputmode="tel" width="20" {...view.field('phone')} />
        <Select label={t('identity.profile.workplace')} hint={t('identity.profile.workplaceHint')} items={await municipalityItems(locale, t('identity.profile.none'), [{ value: 'outside', text: t('identity.profile.outside') }])} {...view.field('workplace')} />
        <Radios legend={t('identity.profile.language')} items={[{ value: 'ja', text: '日本語' }, { value: 'en', text: 'English' }]} inline {...view.field('language')} />
        <Checkboxes legend={t('identity.profile.contact')} items={[{ value: 'email', text: t('identity.profile.contact.email') }, { value: 'inApp', text: t('identity.profile.contact.inApp') }]} {...view.choices('contact')} />
        <Button preventDoubleClick>{t('identity.profile.save')}</Button>
        {existing && <p><a href="/account/profile/household">{t('identity.household.link', { count: existing.personal.household.length })}</a></p>}
      </form>
    ));
  };

  const toValues = (p: Profile | undefined): FormValues => {
    if (!p) return { language: 'ja', contact: ['email', 'inApp'] };
    const [year, month, day] = p.personal.birthDate.split('-');
    return {
      familyName: p.personal.familyName,
      givenName: p.personal.givenName,
      familyNameKana: p.personal.familyNameKana,
      givenNameKana: p.personal.givenNameKana,
      'birthDate-year': year,
      'birthDate-month': String(Number(month)),
      'birthDate-day': String(Number(day)),
      postalCode: p.personal.postalCode,
      residence: p.residenceLgCode ?? '',
      addressLine: p.personal.addressLine,
      phone: p.personal.phone,
      workplace: p.workplaceLgCode ?? '',
      language: p.language,
      contact: [...(p.contact.email ? ['email'] : []), ...(p.contact.inApp ? ['inApp'] : [])],
    };
  };

  app.get('/account/profile', async (request, reply) => {
    const who = requireSignedIn(request, reply);
    if (!who) return reply;
    const existing = await profiles.find(ctx.db, who.accountId);
    return page(request, reply, existing, who.assuranceLevel !== 'C' && existing !== undefined, toValues(existing), {});
  });

  app.post('/account/profile', { preHandler: app.csrfProtection }, async (request, reply) => {
    const who = requireSignedIn(request, reply);
    if (!who) return reply;
    const values = formValues(request.body);
    const existing = await profiles.find(ctx.db, who.accountId);
    const locked = who.assuranceLevel !== 'C' && existing !== undefined;
    const municipalities = new Set([...(await ctx.app.tenants.snapshot()).tenants.values()].filter((t) => t.level === 'municipality').map((t) => t.lgCode));
    const { errors, profile } = readProfileForm(values, municipalities, locked ? existing : undefined);
    if (!profile) return page(request, reply, existing, locked, values, errors);
    const expected = values.version === 'new' ? null : Number(values.version);
    const saved = await profiles.save(ctx.db, who.accountId, profile, Number.isInteger(expected) ? expected : null);
    if (!saved) {
      // Someone saved from another device since this form was opened: show theirs, say so.
      const current = await profiles.find(ctx.db, who.accountId);
      return page(request, reply, current, locked, toValues(current), { form: { message: messageOf('identity.profile.stale'), anchor: 'profile-form' } }, 409);
    }
    await appendAudit(ctx.app.db, { actor: `account:${who.accountId}`, action: 'identity.profile_saved', lgCode: who.lgCode, subject: who.accountId, ip: request.ip, requestId: request.id, details: { fields: locked ? 'contact' : 'all' } });
    return reply.redirect('/account?done=profile', 303);
  });
}
