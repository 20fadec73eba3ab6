// Household members (世帯員) on the resident's record, reused by forms that ask about the household
// (child allowance, nursery). Kept sealed with the rest of the profile.
//   GET /account/profile/household · POST …/add · POST …/{index}/remove
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { formValues, formView, messageOf, type FieldErrors, type FormValues } from '../../platform/ui/form-errors.ts';
import { pageCsrfToken, sendPage } from '../../platform/ui/render.tsx';
import { Button } from '../../platform/ui/components/button/button.tsx';
import { DateInput } from '../../platform/ui/components/date-input/date-input.tsx';
import { readDateInput } from '../../platform/ui/components/date-input/date-value.ts';
import { Select } from '../../platform/ui/components/select/select.tsx';
import { TextInput } from '../../platform/ui/components/text-input/text-input.tsx';
import type { IdentityContext } from '../identity-context.ts';
import { isKatakana, normaliseKana } from '../profile/kana.ts';
import { ProfileStore, type HouseholdMember, type Profile } from '../profile/profile.ts';
import { text } from './form-checks.ts';
import { requireSignedIn } from './page-helpers.ts';

export const RELATIONSHIPS = ['spouse', 'child', 'parent', 'grandparent', 'grandchild', 'sibling', 'other'] as const;
const MAX_MEMBERS = 15;

/** The add-a-member form's checks; returns the member, or adds errors in the fields' order. */
export function readMember(values: FormValues, errors: FieldErrors): HouseholdMember | undefined {
  const member: Partial<HouseholdMember> = {};
  for (const field of ['familyName', 'givenName'] as const) {
    member[field] = text(values, field).trim();
    if (!member[field]) errors[field] = messageOf(`identity.profileMissing.${field}`);
  }
  for (const field of ['familyNameKana', 'givenNameKana'] as const) {
    member[field] = normaliseKana(text(values, field));
    if (!member[field]) errors[field] = messageOf(`identity.profileMissing.${field}`);
    else if (!isKatakana(member[field]!)) errors[field] = messageOf('identity.profile.kana.notKana');
  }
  const relationship = text(values, 'relationship');
  if (!(RELATIONSHIPS as readonly string[]).includes(relationship)) errors.relationship = messageOf('identity.household.relationshipMissing');
  member.relationship = relationship;
  const reading = readDateInput({ year: text(values, 'birthDate-year'), month: text(values, 'birthDate-month'), day: text(values, 'birthDate-day') });
  if (reading.kind !== 'date') errors.birthDate = { message: messageOf('identity.profile.birthDate.invalid'), parts: reading.kind === 'missing' ? ['year', 'month', 'day'] : reading.parts };
  else {
    const { year, month, day } = reading.date;
    member.birthDate = `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
    if (member.birthDate > new Date().toISOString().slice(0, 10) || year < 1900) errors.birthDate = { message: messageOf('identity.profile.birthDate.range'), parts: ['year'] };
  }
  return Object.keys(errors).length > 0 ? undefined : (member as HouseholdMember);
}

export async function householdPages(app: FastifyInstance, ctx: IdentityContext): Promise<void> {
  const profiles = new ProfileStore(ctx.app.sealer);

  const page = (request: FastifyRequest, reply: FastifyReply, profile: Profile, values: FormValues, errors: FieldErrors) => {
    const { t, locale } = request;
    const view = formView({ values, errors }, locale);
    const csrf = pageCsrfToken(reply);
    const members = profile.personal.household;
    return sendPage(reply, { title: t('identity.household.title'), status: view.hasErrors ? 422 : 200, errorSummary: view.errorSummary, backLink: { href: '/account/profile' } }, (
      <>
        <h1>{t('identity.household.title')}</h1>
        <p>{t('identity.household.lead')}</p>
        {members.length === 0 ? (
          <p>{t('identity.household.none')}</p>
        ) : (
          <ul class="plain-list">
            {members.map((m, i) => (
              <li>
                <form method="post" action={`/account/profile/household/${i}/remove`} class="inline-form">
                  <input type="hidden" name="_csrf" value={csrf} />
                  <input type="hidden" name="version" value={String(profile.version)} />
                  <span>
                    {m.familyName} {m.givenName}（{m.familyNameKana} {m.givenNameKana}）· {t(`identity.relationship.${m.relationship}`)} · {m.birthDate}
                  </span>
                  <Button variant="secondary">
                    {t('identity.household.remove')}<span class="visually-hidden">: {m.familyName} {m.givenName}</span>
                  </Button>
                </form>
              </li>
            ))}
          </ul>
        )}
        {members.length < MAX_MEMBERS && (
          <form method="post" action="/account/profile/household/add" novalidate>
            <input type="hidden" name="_csrf" value={csrf} />
            <input type="hidden" name="version" value={String(profile.version)} />
            <h2>{t('identity.household.add')}</h2>
            <TextInput label={t('identity.profile.familyName')} spellcheck={false} width="10" {...view.field('familyName')} />
            <TextInput label={t('identity.profile.givenName')} spellcheck={false} width="10" {...view.field('givenName')} />
            <TextInput label={t('identity.profile.familyNameKana')} hint={t('identity.profile.kanaHint')} spellcheck={false} width="10" {...view.field('familyNameKana')} />
            <TextInput label={t('identity.profile.givenNameKana')} spellcheck={false} width="10" {...view.field('givenNameKana')} />
            <Select label={t('identity.household.relationship')} items={[{ value: '', text: t('identity.profile.choose') }, ...RELATIONSHIPS.map((r) => ({ value: r, text: t(`identity.relationship.${r}`) }))]} {...view.field('relationship')} />
            <DateInput legend={t('identity.profile.birthDate')} {...view.date('birthDate')} />
            <Button preventDoubleClick>{t('identity.household.addButton')}</Button>
          </form>
        )}
      </>
    ));
  };

  const current = async (request: FastifyRequest, reply: FastifyReply) => {
    const who = requireSignedIn(request, reply);
    if (!who) return undefined;
    const profile = await profiles.find(ctx.db, who.accountId);
    if (!profile) {
      void reply.redirect('/account/profile', 303);
      return undefined;
    }
    return { who, profile };
  };

  const save = async (accountId: string, profile: Profile, household: HouseholdMember[], expected: number) =>
    profiles.save(ctx.db, accountId, { personal: { ...profile.personal, household }, residenceLgCode: profile.residenceLgCode, workplaceLgCode: profile.workplaceLgCode, language: profile.language, contact: profile.contact }, expected);

  app.get('/account/profile/household', async (request, reply) => {
    const found = await current(request, reply);
    return found ? page(request, reply, found.profile, {}, {}) : reply;
  });

  app.post('/account/profile/household/add', { preHandler: app.csrfProtection }, async (request, reply) => {
    const found = await current(request, reply);
    if (!found) return reply;
    const values = formValues(request.body);
    const errors: FieldErrors = {};
    const member = readMember(values, errors);
    if (!member) return page(request, reply, found.profile, values, errors);
    if (found.profile.personal.household.length >= MAX_MEMBERS) return reply.redirect('/account/profile/household', 303);
    const saved = await save(found.who.accountId, found.profile, [...found.profile.personal.household, member], Number(text(values, 'version')));
    if (!saved) return page(request, reply, (await profiles.find(ctx.db, found.who.accountId))!, values, { form: { message: messageOf('identity.profile.stale'), anchor: 'familyName' } });
    return reply.redirect('/account/profile/household', 303);
  });

  app.post<{ Params: { index: string } }>('/account/profile/household/:index/remove', { preHandler: app.csrfProtection }, async (request, reply) => {
    const found = await current(request, reply);
    if (!found) return reply;
    const index = Number(request.params.index);
    const version = Number(text(formValues(request.body), 'version'));
    // The index counts in the list the person saw: a stale version means the list moved.
    if (Number.isInteger(index) && index >= 0 && index < found.profile.personal.household.length && version === found.profile.version) {
      await save(found.who.accountId, found.profile, found.profile.personal.household.filter((_, i) => i !== index), version);
    }
    return reply.redirect('/account/profile/household', 303);
  });
}
