// A quotation, an example or something to note, set off from the text around it (e.g. 「この手続は
// 窓口でもできます」). Not for warnings: use warning-text.
import type { ComponentChildren } from 'preact';

export function InsetText(props: { children: ComponentChildren; id?: string }) {
  return (
    <div class="inset-text" id={props.id}>
      {props.children}
    </div>
  );
}
