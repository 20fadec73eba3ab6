// A link to the previous page of a form, above the question. It points to a real address (the
// previous question), not history.back(), so it works without JavaScript and after a failed POST.
import { useUiText } from '../ui-text.ts';

export interface BackLinkProps {
  href: string;
  /** Default: 「戻る」 / "Back". */
  text?: string;
}

export function BackLink(props: BackLinkProps) {
  const { t } = useUiText();
  return (
    <a href={props.href} class="back-link">
      {props.text ?? t('ui.backLink')}
    </a>
  );
}
