// A choice from a long list (a prefecture, a municipality). For a handful of choices use radios:
// all the options are visible at once and easier to pick on a phone.
import { FieldHeader, FormGroup, fieldDescription, type FieldBaseProps } from '../form-group/form-group.tsx';

export interface SelectOption {
  value: string;
  text: string;
  disabled?: boolean;
}

export interface SelectProps extends FieldBaseProps {
  items: SelectOption[];
  /** The value chosen (re-rendered after a failed validation). */
  value?: string | undefined;
  autocomplete?: string;
}

export function Select(props: SelectProps) {
  const id = props.id ?? props.name;
  const hasError = Boolean(props.errorMessage);
  return (
    <FormGroup hasError={hasError}>
      <FieldHeader {...props} id={id} />
      <select class={hasError ? 'select select--error' : 'select'} id={id} name={props.name} aria-describedby={fieldDescription(id, props)} autocomplete={props.autocomplete}>
        {props.items.map((item) => (
          <option value={item.value} selected={item.value === props.value} disabled={item.disabled}>
            {item.text}
          </option>
        ))}
      </select>
    </FormGroup>
  );
}
