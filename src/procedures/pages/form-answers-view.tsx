// Normalised answers as a person reads them: dates with their 和暦, addresses with 〒, choices
// by their labels. For the preview's result and, next, the resident's check-your-answers page.
import type { Locale, Translate } from '../../platform/i18n/i18n.ts';
import { warekiWords } from '../../platform/ui/components/date-input/date-input.tsx';
import { formatWareki, toWareki } from '../../platform/ui/components/date-input/wareki.js';
import { SummaryList, type SummaryListRow } from '../../platform/ui/components/summary-list/summary-list.tsx';
import type { AnswerValue, Answers } from '../forms/answer-engine.ts';
import type { ResolvedDefinition, ResolvedField } from '../forms/form-definition.ts';

export function formatAnswer(field: ResolvedField, value: AnswerValue | undefined, locale: Locale, t: Translate): string {
  if (value === undefined || value === '') return t('procedures.form.noAnswer');
  switch (field.type) {
    case 'date': {
      const [y, m, d] = String(value).split('-').map(Number) as [number, number, number];
      const wareki = toWareki(String(value));
      const western = locale === 'ja' ? `${y}年${m}月${d}日` : new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }).format(Date.UTC(y, m - 1, d));
      return wareki ? `${western}（${formatWareki(wareki, warekiWords(t))}）` : western;
    }
    case 'address': {
      const a = value as { postalCode: string; address: string };
      return `〒${a.postalCode} ${a.address}`;
    }
    case 'radio':
    case 'select':
      return field.options?.find((o) => o.value === value)?.label[locale] ?? String(value);
    case 'checkbox':
      return (value as string[]).map((v) => field.options?.find((o) => o.value === v)?.label[locale] ?? v).join('、');
    case 'declaration':
      return t('procedures.form.agreed');
    case 'file':
      return (value as { filename: string }).filename;
    case 'number':
      return (value as number).toLocaleString(locale === 'ja' ? 'ja-JP' : 'en-GB');
    case 'group':
      return (value as Answers[]).map((item, i) => `${i + 1}. ${(field.fields ?? []).filter((f) => item[f.key] !== undefined).map((f) => `${f.label[locale]}: ${formatAnswer(f, item[f.key], locale, t)}`).join(' / ')}`).join('\n');
    default:
      return String(value);
  }
}

export function AnswersList(props: { definition: ResolvedDefinition; answers: Answers; pages: string[]; locale: Locale; t: Translate }) {
  const rows: SummaryListRow[] = [];
  for (const page of props.definition.pages.filter((p) => props.pages.includes(p.id))) {
    for (const field of page.fields) {
      if (!(field.key in props.answers)) continue;
      const lines = formatAnswer(field, props.answers[field.key], props.locale, props.t).split('\n');
      rows.push({ key: field.label[props.locale], value: <>{lines.map((line, i) => (i === 0 ? line : <><br />{line}</>))}</> });
    }
  }
  return <SummaryList rows={rows} />;
}
