// The identity module's e-mails, in the language the person was using. Plain text, short, with
// the one link that matters and what to do if the mail was not expected.
import type { Locale } from '../../platform/i18n/i18n.ts';
import type { MailMessage } from '../../platform/mail/mailer.ts';

type Template = (to: string, values: { link?: string; minutes?: number }) => MailMessage;

const SIGNATURE = {
  ja: '\n-- \nつなぐ（県・市町村共通ポータル）\nこのメールは送信専用です。',
  en: '\n-- \nTsunagu (prefecture and municipalities common portal)\nThis address does not accept replies.',
};

export const identityMail: Record<string, Record<Locale, Template>> = {
  verifyEmail: {
    ja: (to, { link }) => ({
      to,
      subject: '【つなぐ】メールアドレスの確認',
      text: `つなぐへの登録ありがとうございます。\n\n次のリンクを開いて、メールアドレスを確認してください（24時間有効）。\n${link}\n\n心当たりがない場合は、このメールを破棄してください。登録は完了しません。${SIGNATURE.ja}`,
    }),
    en: (to, { link }) => ({
      to,
      subject: '[Tsunagu] Confirm your e-mail address',
      text: `Thank you for registering with Tsunagu.\n\nOpen this link to confirm your e-mail address (valid for 24 hours):\n${link}\n\nIf you did not register, ignore this mail; no account will be created.${SIGNATURE.en}`,
    }),
  },
  alreadyRegistered: {
    ja: (to, { link }) => ({
      to,
      subject: '【つなぐ】登録済みのメールアドレスです',
      text: `このメールアドレスで新規登録の操作がありましたが、すでにアカウントがあります。\n\nログインはこちら: ${link}\nパスワードを忘れた場合は、ログイン画面の「パスワードを忘れた場合」から再設定できます。\n\n心当たりがない場合は、このメールを破棄してください。アカウントは変更されていません。${SIGNATURE.ja}`,
    }),
    en: (to, { link }) => ({
      to,
      subject: '[Tsunagu] This address is already registered',
      text: `Someone tried to register with this e-mail address, but it already has an account.\n\nLog in here: ${link}\nIf you forgot your password, use "Forgot your password?" on the login page.\n\nIf this was not you, ignore this mail; your account has not changed.${SIGNATURE.en}`,
    }),
  },
  emailChange: {
    ja: (to, { link }) => ({
      to,
      subject: '【つなぐ】新しいメールアドレスの確認',
      text: `つなぐのアカウントのメールアドレスを、このアドレスに変更する手続きがありました。\n\nつなぐにログインしたまま、次のリンクを開いて変更を完了してください（24時間有効）。\n${link}\n\n心当たりがない場合は、このメールを破棄してください。メールアドレスは変更されません。${SIGNATURE.ja}`,
    }),
    en: (to, { link }) => ({
      to,
      subject: '[Tsunagu] Confirm your new e-mail address',
      text: `Someone asked to change a Tsunagu account's e-mail address to this one.\n\nWhile logged in to Tsunagu, open this link to finish the change (valid for 24 hours):\n${link}\n\nIf this was not you, ignore this mail; nothing changes.${SIGNATURE.en}`,
    }),
  },
  emailChangeTaken: {
    ja: (to, { link }) => ({
      to,
      subject: '【つなぐ】このメールアドレスは使えません',
      text: `つなぐのアカウントのメールアドレスを、このアドレスに変更する手続きがありましたが、このアドレスにはすでに別のアカウントがあるため、変更できません。\n\nこのアドレスのアカウントにはこちらからログインできます: ${link}\n\n心当たりがない場合は、このメールを破棄してください。どのアカウントも変更されていません。${SIGNATURE.ja}`,
    }),
    en: (to, { link }) => ({
      to,
      subject: '[Tsunagu] This address cannot be used',
      text: `Someone asked to change a Tsunagu account's e-mail address to this one, but this address already has an account of its own, so the change cannot be made.\n\nLog in to this address's account here: ${link}\n\nIf this was not you, ignore this mail; no account has changed.${SIGNATURE.en}`,
    }),
  },
  emailChangedNotice: {
    ja: (to, { link }) => ({
      to,
      subject: '【つなぐ】メールアドレスが変更されました',
      text: `つなぐのアカウントのメールアドレスが変更されました。今後のお知らせは新しいアドレスに届きます。\n\n心当たりがない場合は、すぐにお住まいの市町村の窓口にご連絡ください。ログイン: ${link}${SIGNATURE.ja}`,
    }),
    en: (to, { link }) => ({
      to,
      subject: '[Tsunagu] Your e-mail address was changed',
      text: `The e-mail address of your Tsunagu account was changed; from now on mail goes to the new address.\n\nIf this was not you, contact your municipality's counter at once. Log in: ${link}${SIGNATURE.en}`,
    }),
  },
  resetPassword: {
    ja: (to, { link, minutes }) => ({
      to,
      subject: '【つなぐ】パスワードの再設定',
      text: `パスワード再設定の依頼を受け付けました。\n\n次のリンクから新しいパスワードを設定してください（${minutes}分間有効、1回限り）。\n${link}\n\n心当たりがない場合は、このメールを破棄してください。パスワードは変更されません。${SIGNATURE.ja}`,
    }),
    en: (to, { link, minutes }) => ({
      to,
      subject: '[Tsunagu] Reset your password',
      text: `We received a request to reset your password.\n\nSet a new password with this link (valid for ${minutes} minutes, once):\n${link}\n\nIf this was not you, ignore this mail; your password will not change.${SIGNATURE.en}`,
    }),
  },
  noAccount: {
    ja: (to, { link }) => ({
      to,
      subject: '【つなぐ】パスワードの再設定',
      text: `このメールアドレスでパスワード再設定の依頼がありましたが、このアドレスのアカウントはありません。\n\n別のメールアドレスで登録したかもしれません。新規登録はこちら: ${link}\n\n心当たりがない場合は、このメールを破棄してください。${SIGNATURE.ja}`,
    }),
    en: (to, { link }) => ({
      to,
      subject: '[Tsunagu] Reset your password',
      text: `Someone asked to reset the password for this e-mail address, but no account uses it.\n\nYou may have registered with another address. To register: ${link}\n\nIf this was not you, ignore this mail.${SIGNATURE.en}`,
    }),
  },
  passwordChanged: {
    ja: (to, { link }) => ({
      to,
      subject: '【つなぐ】パスワードが変更されました',
      text: `あなたのアカウントのパスワードが変更され、すべての端末からログアウトしました。\n\n心当たりがない場合は、すぐにパスワードを再設定し、お住まいの市町村の窓口にご連絡ください: ${link}${SIGNATURE.ja}`,
    }),
    en: (to, { link }) => ({
      to,
      subject: '[Tsunagu] Your password was changed',
      text: `The password of your account was changed and every device was logged out.\n\nIf this was not you, reset your password at once and contact your municipality: ${link}${SIGNATURE.en}`,
    }),
  },
  staffInvite: {
    ja: (to, { link }) => ({
      to,
      subject: '【つなぐ】職員アカウントの招待',
      text: `つなぐの職員アカウントが作成されました。\n\n次のリンクからパスワードを設定し、認証アプリ（ワンタイムパスワード）を登録してください（7日間有効）。\n${link}\n\n心当たりがない場合は、所属の管理者にご連絡ください。${SIGNATURE.ja}`,
    }),
    en: (to, { link }) => ({
      to,
      subject: '[Tsunagu] Your staff account',
      text: `A Tsunagu staff account was created for you.\n\nSet your password and register an authenticator app (one-time codes) with this link (valid for 7 days):\n${link}\n\nIf you did not expect this, contact your administrator.${SIGNATURE.en}`,
    }),
  },
};
