// A one-line answer. The width classes size the box to the answer expected (a postcode box is
// short), which tells people what to type; at 320px every width shrinks to fit the screen.
import { FieldHeader, FormGroup, fieldDescription, type FieldBaseProps } from '../form-group/form-group.tsx';

export type InputWidth = 'full' | '20' | '10' | '7' | '5' | '4' | '3' | '2';

export interface TextInputProps extends FieldBaseProps {
  /** What the person typed (re-rendered after a failed validation, so nothing is lost). */
  value?: string | undefined;
  /** 'text' for numbers too: type="number" rounds, scrolls and drops leading zeros. */
  type?: 'text' | 'email' | 'tel' | 'url' | 'search' | 'date';
  /** An autocomplete token (e.g. 'name', 'postal-code', 'email') so browsers can fill it in. */
  autocomplete?: string;
  /** The on-screen keyboard: 'numeric' for digits (postcodes, phone numbers without hyphens). */
  inputmode?: 'text' | 'numeric' | 'decimal' | 'tel' | 'email' | 'url' | 'search';
  /** false for names, codes and addresses, which spelling checkers mark wrongly. */
  spellcheck?: boolean;
  /** Width in characters (class input--width-N), or 'full'. Default: full. */
  width?: InputWidth;
  /** Shown before or after the box, e.g. 〒 or 円; hidden from screen readers (say it in the label). */
  prefix?: string;
  suffix?: string;
}

export function inputClass(width: InputWidth | undefined, hasError: boolean): string {
  return ['input', width && width !== 'full' ? `input--width-${width}` : undefined, hasError ? 'input--error' : undefined]
    .filter(Boolean)
    .join(' ');
}

export function TextInput(props: TextInputProps) {
  const id = props.id ?? props.name;
  const hasError = Boolean(props.errorMessage);
  const input = (
    <input
      class={inputClass(props.width, hasError)}
      id={id}
      name={props.name}
      // Preact types each input type separately; all of ours share the textbox attributes.
      type={(props.type ?? 'text') as 'text'}
      value={props.value ?? ''}
      aria-describedby={fieldDescription(id, props)}
      autocomplete={props.autocomplete}
      inputmode={props.inputmode}
      spellcheck={props.spellcheck}
    />
  );
  return (
    <FormGroup hasError={hasError}>
      <FieldHeader {...props} id={id} />
      {props.prefix || props.suffix ? (
        <div class="input-wrapper">
          {props.prefix && (
            <span class="input-affix" aria-hidden="true">
              {props.prefix}
            </span>
          )}
          {input}
          {props.suffix && (
            <span class="input-affix" aria-hidden="true">
              {props.suffix}
            </span>
          )}
        </div>
      ) : (
        input
      )}
    </FormGroup>
  );
}
