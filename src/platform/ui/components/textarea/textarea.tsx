// A longer answer, optionally with a character limit. Without JavaScript the limit is stated in
// a hint; with it (character-count.js) a count of what is left follows the typing, and a screen
// reader hears it only after a pause, not on every key. The box takes more than the limit on
// purpose (no maxlength): a pasted text is cut by nobody, the person sees it is too long and
// edits it, and the server's validation has the last word.
import { useUiText } from '../ui-text.ts';
import { FieldHeader, FormGroup, describedBy, fieldDescription, type FieldBaseProps } from '../form-group/form-group.tsx';

export interface TextareaProps extends FieldBaseProps {
  value?: string | undefined;
  rows?: number;
  autocomplete?: string;
  spellcheck?: boolean;
  /** A character limit, counted as countCharacters() counts. */
  maxLength?: number;
}

/**
 * Characters as a person counts them: code points (a kanji outside the BMP such as 𠮷 is one),
 * with a line break as one (browsers send \r\n). character-count.js counts the same way.
 */
export function countCharacters(text: string): number {
  return Array.from(text.replace(/\r\n/g, '\n')).length;
}

export const characterCountInfoId = (id: string) => `${id}-info`;

export function Textarea(props: TextareaProps) {
  const { t } = useUiText();
  const id = props.id ?? props.name;
  const hasError = Boolean(props.errorMessage);
  const limit = props.maxLength;
  const textarea = (
    <textarea
      class={hasError ? 'textarea textarea--error' : 'textarea'}
      id={id}
      name={props.name}
      rows={props.rows ?? 5}
      aria-describedby={describedBy(fieldDescription(id, props), limit !== undefined && characterCountInfoId(id))}
      autocomplete={props.autocomplete}
      spellcheck={props.spellcheck}
      value={props.value ?? ''}
    />
  );
  if (!limit) {
    return (
      <FormGroup hasError={hasError}>
        <FieldHeader {...props} id={id} />
        {textarea}
      </FormGroup>
    );
  }
  return (
    <FormGroup hasError={hasError} class="character-count" module="character-count">
      <FieldHeader {...props} id={id} />
      <div
        class="character-count__field"
        data-maxlength={String(limit)}
        data-remaining-one={t('ui.characterCount.remaining.one')}
        data-remaining-other={t('ui.characterCount.remaining.other')}
        data-over-one={t('ui.characterCount.over.one')}
        data-over-other={t('ui.characterCount.over.other')}
      >
        {textarea}
      </div>
      <div class="hint character-count__message" id={characterCountInfoId(id)}>
        {t('ui.characterCount.limit', { count: limit })}
      </div>
    </FormGroup>
  );
}
