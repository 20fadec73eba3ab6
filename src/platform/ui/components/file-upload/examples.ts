import type { FileUploadProps } from './file-upload.tsx';

export const fileUploadExamples = {
  'with a hint': {
    name: 'document',
    label: '委任状の画像またはPDF',
    hint: 'PDF・JPEG・PNG、5MBまで',
    accept: 'application/pdf,image/jpeg,image/png',
  },
  'with an error': {
    name: 'document-error',
    label: '委任状の画像またはPDF',
    hint: 'PDF・JPEG・PNG、5MBまで',
    errorMessage: 'ファイルを選んでください',
  },
} satisfies Record<string, FileUploadProps>;
