// The checks the sign-up, login and password pages share, as form errors in both languages.
import { messageOf, type FieldErrors, type FormValues } from '../../platform/ui/form-errors.ts';
import { checkEmail, normaliseEmail } from '../accounts/email-address.ts';
import { checkPassword } from '../accounts/password.ts';

export function text(values: FormValues, name: string): string {
  const value = values[name];
  return typeof value === 'string' ? value : '';
}

/** Adds an error for the e-mail field; returns the normalised address. */
export function checkEmailField(values: FormValues, errors: FieldErrors, name = 'email'): string {
  const email = normaliseEmail(text(values, name));
  const problem = checkEmail(email);
  if (problem) errors[name] = messageOf(`identity.email.${problem}`);
  return email;
}

/** A new password: the rules of accounts/password.ts, said plainly. */
export function checkNewPassword(values: FormValues, errors: FieldErrors, email: string, name = 'password'): string {
  const password = text(values, name);
  const problem = checkPassword(password, email);
  if (problem) errors[name] = messageOf(`identity.password.${problem}`);
  return password;
}
