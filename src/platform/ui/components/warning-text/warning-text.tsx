// Something a person must know to avoid a consequence (期限を過ぎると受け付けられません). The "!" icon
// is decoration; a screen reader hears the hidden word 「警告」 / "Warning" instead.
import type { ComponentChildren } from 'preact';
import { useUiText } from '../ui-text.ts';

export interface WarningTextProps {
  children: ComponentChildren;
  /** Default 「警告」 / "Warning". */
  iconFallbackText?: string;
}

export function WarningText(props: WarningTextProps) {
  const { t } = useUiText();
  return (
    <div class="warning-text">
      <span class="warning-text__icon" aria-hidden="true">
        !
      </span>
      <strong class="warning-text__text">
        <span class="visually-hidden">{props.iconFallbackText ?? t('ui.warningText.prefix')}</span>
        {props.children}
      </strong>
    </div>
  );
}
