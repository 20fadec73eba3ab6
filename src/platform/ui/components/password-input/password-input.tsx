// A password box with a show/hide button. The button is in the HTML but `hidden`: only the
// script (password-input.js) reveals it, because without JavaScript it could do nothing.
// A typed password is never sent back to the page: after a failed validation the box is empty.
import { useUiText } from '../ui-text.ts';
import { FieldHeader, FormGroup, fieldDescription, type FieldBaseProps } from '../form-group/form-group.tsx';

export interface PasswordInputProps extends FieldBaseProps {
  /** 'current-password' to log in, 'new-password' to set one (lets password managers help). */
  autocomplete?: 'current-password' | 'new-password';
}

export function PasswordInput(props: PasswordInputProps) {
  const { t } = useUiText();
  const id = props.id ?? props.name;
  const hasError = Boolean(props.errorMessage);
  return (
    <FormGroup hasError={hasError} class="password-input" module="password-input">
      <FieldHeader {...props} id={id} />
      <div class="password-input__wrapper">
        <input
          class={hasError ? 'input input--error password-input__input' : 'input password-input__input'}
          id={id}
          name={props.name}
          type="password"
          value=""
          aria-describedby={fieldDescription(id, props)}
          autocomplete={props.autocomplete ?? 'current-password'}
          autocapitalize="none"
          spellcheck={false}
        />
        <button
          type="button"
          class="button button--secondary password-input__toggle"
          aria-controls={id}
          hidden
          data-show-text={t('ui.passwordInput.show')}
          data-hide-text={t('ui.passwordInput.hide')}
          data-shown-announcement={t('ui.passwordInput.shown')}
          data-hidden-announcement={t('ui.passwordInput.hidden')}
        >
          {t('ui.passwordInput.show')}
        </button>
      </div>
      {/* Told to screen readers after the button is used; the button's own text changes too. */}
      <div class="visually-hidden password-input__status" aria-live="polite"></div>
    </FormGroup>
  );
}
