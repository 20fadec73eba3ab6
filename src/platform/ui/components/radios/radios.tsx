// One choice from a few. The question is the legend (the h1 on a one-question page); the hint
// and error are tied to the fieldset, so a screen reader reads them on entering the group.
import { Fieldset } from '../fieldset/fieldset.tsx';
import { ChoiceItems, type ChoiceEntry } from '../form-group/choice-items.tsx';
import { FormGroup, GroupHeader, fieldDescription, type GroupBaseProps } from '../form-group/form-group.tsx';

export interface RadiosProps extends GroupBaseProps {
  items: ChoiceEntry[];
  /** The value chosen (re-rendered after a failed validation). */
  value?: string | undefined;
  /** Side by side; only for two short choices such as はい／いいえ (ignored with conditional content). */
  inline?: boolean;
  small?: boolean;
}

export function Radios(props: RadiosProps) {
  const id = props.id ?? props.name;
  return (
    <FormGroup hasError={Boolean(props.errorMessage)}>
      <Fieldset legend={props.legend} legendSize={props.legendSize} isPageHeading={props.isPageHeading} describedBy={fieldDescription(id, props)}>
        <GroupHeader id={id} hint={props.hint} errorMessage={props.errorMessage} />
        <ChoiceItems kind="radio" id={id} name={props.name} items={props.items} checked={(v) => v === props.value} inline={props.inline} small={props.small} />
      </Fieldset>
    </FormGroup>
  );
}
