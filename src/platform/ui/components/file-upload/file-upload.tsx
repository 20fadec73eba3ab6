// Attaching a file (a scanned power of attorney, a certificate). The browser's own file control:
// it works without JavaScript and every screen reader knows it. The hint says which kinds and how
// large; the server checks both again (by the file's bytes, not its name).
import { FieldHeader, FormGroup, fieldDescription, type FieldBaseProps } from '../form-group/form-group.tsx';

export interface FileUploadProps extends FieldBaseProps {
  /** MIME types or extensions the picker offers first, e.g. "application/pdf,image/jpeg,image/png". */
  accept?: string;
}

export function FileUpload(props: FileUploadProps) {
  const id = props.id ?? props.name;
  const hasError = Boolean(props.errorMessage);
  return (
    <FormGroup hasError={hasError}>
      <FieldHeader {...props} id={id} />
      <input class={hasError ? 'file-upload file-upload--error' : 'file-upload'} id={id} name={props.name} type="file" accept={props.accept} aria-describedby={fieldDescription(id, props)} />
    </FormGroup>
  );
}
