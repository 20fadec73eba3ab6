import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { description, one, renderDom } from '../../../test/component-html.tsx';
import { FileUpload } from '../file-upload.tsx';

describe('FileUpload', () => {
  it('FileUpload should be a labelled file input described by its hint and error when both are given', () => {
    const root = renderDom(<FileUpload name="document" label="委任状" hint="PDF、5MBまで" errorMessage="ファイルを選んでください" accept="application/pdf" />);
    const input = one(root, 'input');
    assert.equal(input.getAttribute('type'), 'file');
    assert.equal(input.getAttribute('accept'), 'application/pdf');
    assert.equal(one(root, 'label').getAttribute('for'), 'document');
    assert.deepEqual(description(root, input), ['PDF、5MBまで', 'エラー：ファイルを選んでください']);
  });
});
