// Any number of choices. Same structure as radios; an `exclusive` item ("none of these") clears
// the others when checked (with JavaScript; the server must still refuse both together).
import { Fieldset } from '../fieldset/fieldset.tsx';
import { ChoiceItems, type ChoiceEntry } from '../form-group/choice-items.tsx';
import { FormGroup, GroupHeader, fieldDescription, type GroupBaseProps } from '../form-group/form-group.tsx';

export interface CheckboxesProps extends GroupBaseProps {
  items: ChoiceEntry[];
  /** The values checked (re-rendered after a failed validation). */
  values?: readonly string[] | undefined;
  small?: boolean;
}

export function Checkboxes(props: CheckboxesProps) {
  const id = props.id ?? props.name;
  const checked = new Set(props.values ?? []);
  return (
    <FormGroup hasError={Boolean(props.errorMessage)}>
      <Fieldset legend={props.legend} legendSize={props.legendSize} isPageHeading={props.isPageHeading} describedBy={fieldDescription(id, props)}>
        <GroupHeader id={id} hint={props.hint} errorMessage={props.errorMessage} />
        <ChoiceItems kind="checkbox" id={id} name={props.name} items={props.items} checked={(v) => checked.has(v)} small={props.small} />
      </Fieldset>
    </FormGroup>
  );
}
