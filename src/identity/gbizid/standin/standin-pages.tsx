// The stand-in's own pages: plain, self-contained HTML (no scripts, no inline styles) that says on
// every page that this is a test stand-in and not GビズID.
import { render } from 'preact-render-to-string';
import type { ComponentChildren } from 'preact';
import type { StandinUser } from './standin-users.ts';

export const STANDIN_NAME = 'GビズID stand-in (TEST ONLY, not GビズID)';

function page(title: string, body: ComponentChildren): string {
  return `<!DOCTYPE html>${render(
    <html lang="ja">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="robots" content="noindex" />
        <title>{`${title} | ${STANDIN_NAME}`}</title>
      </head>
      <body>
        <header>
          <p>
            <strong>{STANDIN_NAME}</strong>
          </p>
          <p>
            これは開発・試験用の代用品です。本物のGビズIDではありません。表示される事業者と人物はすべて架空です。
            <br />
            <span lang="en">This is a development and test stand-in. It is not GビズID; every business and person shown is fictional.</span>
          </p>
        </header>
        <hr />
        <main>{body}</main>
      </body>
    </html>,
  )}`;
}

/** Pick a test user (no password: nothing here is real). */
export function loginPage(action: string, clientId: string, users: StandinUser[]): string {
  return page(
    'ログイン',
    <>
      <h1>テスト利用者を選んでログイン</h1>
      <p>
        ログインを求めているサービス：<code>{clientId}</code>
      </p>
      <form method="post" action={action}>
        <fieldset>
          <legend>
            利用者 <span lang="en">(test user)</span>
          </legend>
          {users.map((user, i) => (
            <p>
              <label>
                <input type="radio" name="user" value={user.sub} checked={i === 0} required /> {user.label.ja} <span lang="en">— {user.label.en}</span>
              </label>
            </p>
          ))}
        </fieldset>
        <p>
          <button type="submit" name="action" value="login">
            この利用者でログイン <span lang="en">(log in)</span>
          </button>{' '}
          <button type="submit" name="action" value="cancel">
            ログインをやめる <span lang="en">(cancel)</span>
          </button>
        </p>
      </form>
    </>,
  );
}

export function errorPage(message: string): string {
  return page(
    'エラー',
    <>
      <h1>エラー <span lang="en">(error)</span></h1>
      <p>
        <code>{message}</code>
      </p>
    </>,
  );
}
