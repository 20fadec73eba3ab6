// The component gallery (/dev/components, not in production): every example of every component
// on one page, so people can look at them and the browser test can run axe over all of them.
// Example ids are unique across the page (a test checks), as they would be on a real page.
import type { FunctionComponent } from 'preact';
import type { Translate } from '../../i18n/i18n.ts';
import { BackLink } from '../components/back-link/back-link.tsx';
import { backLinkExamples } from '../components/back-link/examples.ts';
import { Button } from '../components/button/button.tsx';
import { buttonExamples } from '../components/button/examples.ts';
import { Checkboxes } from '../components/checkboxes/checkboxes.tsx';
import { checkboxesExamples } from '../components/checkboxes/examples.ts';
import { DateInput } from '../components/date-input/date-input.tsx';
import { dateInputExamples } from '../components/date-input/examples.ts';
import { Details } from '../components/details/details.tsx';
import { detailsExamples } from '../components/details/examples.ts';
import { ErrorSummary } from '../components/error-summary/error-summary.tsx';
import { errorSummaryExamples } from '../components/error-summary/examples.ts';
import { Fieldset } from '../components/fieldset/fieldset.tsx';
import { fieldsetExamples } from '../components/fieldset/examples.ts';
import { InsetText } from '../components/inset-text/inset-text.tsx';
import { insetTextExamples } from '../components/inset-text/examples.ts';
import { NotificationBanner } from '../components/notification-banner/notification-banner.tsx';
import { notificationBannerExamples } from '../components/notification-banner/examples.ts';
import { Pagination } from '../components/pagination/pagination.tsx';
import { paginationExamples } from '../components/pagination/examples.ts';
import { Panel } from '../components/panel/panel.tsx';
import { panelExamples } from '../components/panel/examples.ts';
import { PasswordInput } from '../components/password-input/password-input.tsx';
import { passwordInputExamples } from '../components/password-input/examples.ts';
import { Radios } from '../components/radios/radios.tsx';
import { radiosExamples } from '../components/radios/examples.ts';
import { Select } from '../components/select/select.tsx';
import { selectExamples } from '../components/select/examples.ts';
import { SummaryList } from '../components/summary-list/summary-list.tsx';
import { summaryListExamples } from '../components/summary-list/examples.ts';
import { Table } from '../components/table/table.tsx';
import { tableExamples } from '../components/table/examples.ts';
import { Tag } from '../components/tag/tag.tsx';
import { tagExamples } from '../components/tag/examples.ts';
import { TextInput } from '../components/text-input/text-input.tsx';
import { FileUpload } from '../components/file-upload/file-upload.tsx';
import { fileUploadExamples } from '../components/file-upload/examples.ts';
import { textInputExamples } from '../components/text-input/examples.ts';
import { Textarea } from '../components/textarea/textarea.tsx';
import { textareaExamples } from '../components/textarea/examples.ts';
import { WarningText } from '../components/warning-text/warning-text.tsx';
import { warningTextExamples } from '../components/warning-text/examples.ts';

export interface GalleryEntry {
  /** The component's folder name. */
  name: string;
  examples: Array<{ title: string; render: () => ReturnType<FunctionComponent> }>;
}

function entry<P>(name: string, Component: FunctionComponent<P>, examples: Record<string, P>): GalleryEntry {
  return {
    name,
    examples: Object.entries(examples).map(([title, props]) => ({ title, render: () => <Component {...(props as P & object)} /> })),
  };
}

/** In page order; the error summary first, as on a form page. */
export const galleryEntries: GalleryEntry[] = [
  entry('error-summary', ErrorSummary, errorSummaryExamples),
  entry('text-input', TextInput, textInputExamples),
  entry('file-upload', FileUpload, fileUploadExamples),
  entry('password-input', PasswordInput, passwordInputExamples),
  entry('textarea', Textarea, textareaExamples),
  entry('select', Select, selectExamples),
  entry('radios', Radios, radiosExamples),
  entry('checkboxes', Checkboxes, checkboxesExamples),
  entry('date-input', DateInput, dateInputExamples),
  entry('fieldset', Fieldset, fieldsetExamples),
  entry('button', Button, buttonExamples),
  entry('back-link', BackLink, backLinkExamples),
  entry('notification-banner', NotificationBanner, notificationBannerExamples),
  entry('panel', Panel, panelExamples),
  entry('summary-list', SummaryList, summaryListExamples),
  entry('table', Table, tableExamples),
  entry('tag', Tag, tagExamples),
  entry('pagination', Pagination, paginationExamples),
  entry('details', Details, detailsExamples),
  entry('inset-text', InsetText, insetTextExamples),
  entry('warning-text', WarningText, warningTextExamples),
];

export function GalleryPage({ t }: { t: Translate }) {
  return (
    <>
      <p class="lead">{t('ui.gallery.lead')}</p>
      <p>
        <a href="/dev/components/example-form">{t('ui.gallery.exampleForm')}</a>
      </p>
      <nav aria-labelledby="gallery-contents" class="gallery-contents">
        <h2 id="gallery-contents">{t('ui.gallery.contents')}</h2>
        <ul>
          {galleryEntries.map((e) => (
            <li>
              <a href={`#${e.name}-examples`}>{e.name}</a>
            </li>
          ))}
        </ul>
      </nav>
      {galleryEntries.map((e) => (
        <section class="gallery-section" aria-labelledby={`${e.name}-examples`}>
          <h2 id={`${e.name}-examples`}>{e.name}</h2>
          {e.examples.map((example) => (
            <div class="gallery-example">
              <p class="gallery-example__title">{example.title}</p>
              <div class="gallery-example__body">{example.render()}</div>
            </div>
          ))}
        </section>
      ))}
    </>
  );
}
