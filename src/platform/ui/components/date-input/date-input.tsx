// A date as three boxes, year–month–day (the Japanese order), in one fieldset. Under them a hint
// gives the Japanese era (和暦) of what was typed, because many people know their birth year as
// 平成2年 rather than 1990: filled in by the server when the page is rendered with a value and
// kept up to date by date-input.js while typing. The boxes are named `<name>-year` etc. and the
// error summary should link to the first box in error (`#<id>-year` by default).
import type { Translate } from '../../../i18n/i18n.ts';
import { useUiText } from '../ui-text.ts';
import { Fieldset } from '../fieldset/fieldset.tsx';
import { FormGroup, GroupHeader, describedBy, fieldDescription, type GroupBaseProps } from '../form-group/form-group.tsx';
import { warekiHint, type EraKey, type WarekiWords } from './wareki.js';

export type DatePart = 'year' | 'month' | 'day';
export const DATE_PARTS: readonly DatePart[] = ['year', 'month', 'day'];

export interface DateInputProps extends GroupBaseProps {
  /** What was typed, as strings (re-rendered as typed, even when it is not a date). */
  value?: Partial<Record<DatePart, string | undefined>> | undefined;
  /** The boxes to mark red; all three when there is an error and this is not given. */
  errorParts?: DatePart[];
  /** 'bday' for a date of birth (autocomplete bday-year…). */
  autocomplete?: 'bday';
  /** Show the 和暦 hint (default true). */
  wareki?: boolean;
}

export const datePartId = (id: string, part: DatePart) => `${id}-${part}`;
export const warekiHintId = (id: string) => `${id}-wareki`;

const ERA_KEYS: EraKey[] = ['meiji', 'taisho', 'showa', 'heisei', 'reiwa'];

export function warekiWords(t: Translate): WarekiWords {
  return {
    eras: Object.fromEntries(ERA_KEYS.map((era) => [era, t(`ui.era.${era}`)])) as Record<EraKey, string>,
    year: t('ui.wareki.year'),
    firstYear: t('ui.wareki.firstYear'),
    label: t('ui.wareki.label'),
    either: t('ui.wareki.either'),
  };
}

const WIDTH: Record<DatePart, string> = { year: '4', month: '2', day: '2' };

export function DateInput(props: DateInputProps) {
  const { t } = useUiText();
  const id = props.id ?? props.name;
  const hasError = Boolean(props.errorMessage);
  const redParts = new Set(hasError ? (props.errorParts ?? DATE_PARTS) : []);
  const showWareki = props.wareki !== false;
  const words = warekiWords(t);
  return (
    <FormGroup hasError={hasError}>
      <Fieldset
        legend={props.legend}
        legendSize={props.legendSize}
        isPageHeading={props.isPageHeading}
        describedBy={fieldDescription(id, props)}
        id={id}
        class="date-input-fieldset"
      >
        <GroupHeader id={id} hint={props.hint} errorMessage={props.errorMessage} />
        <div class="date-input" data-module={showWareki ? 'date-input' : undefined} data-wareki-words={showWareki ? JSON.stringify(words) : undefined}>
          {DATE_PARTS.map((part) => (
            <div class="date-input__item">
              <label class="label date-input__label" for={datePartId(id, part)}>
                {t(`ui.dateInput.${part}`)}
              </label>
              <input
                class={`input input--width-${WIDTH[part]} date-input__input${redParts.has(part) ? ' input--error' : ''}`}
                id={datePartId(id, part)}
                name={`${props.name}-${part}`}
                type="text"
                inputmode="numeric"
                value={props.value?.[part] ?? ''}
                autocomplete={props.autocomplete ? `bday-${part}` : undefined}
                spellcheck={false}
                aria-describedby={describedBy(showWareki && part === 'year' && warekiHintId(id))}
              />
            </div>
          ))}
        </div>
        {showWareki && (
          <p class="hint date-input__wareki" id={warekiHintId(id)} aria-live="polite">
            {warekiHint(props.value ?? {}, words)}
          </p>
        )}
      </Fieldset>
    </FormGroup>
  );
}
