import type { PasswordInputProps } from './password-input.tsx';

export const passwordInputExamples = {
  'log in': { name: 'password', label: 'パスワード', autocomplete: 'current-password' },
  'new password with an error': {
    name: 'new-password',
    label: '新しいパスワード',
    hint: '12文字以上で入力してください',
    autocomplete: 'new-password',
    errorMessage: 'パスワードは12文字以上で入力してください',
  },
} satisfies Record<string, PasswordInputProps>;
