// What other modules may use of the portal: send a notification to an account's notifications
// centre.
import type { AppContext } from '../platform/module.ts';
import { notificationContactOf } from '../identity/exports.ts';
import { portalDb } from './db/schema.ts';
import { addNotification, type NotificationInput } from './notifications/notifications.ts';

export type { NotificationInput } from './notifications/notifications.ts';

/**
 * Tells the person, as their profile's お知らせの受け取り方 says: the notification is always kept in
 * their centre (the record of what the City OS told them), unread unless they turned My page
 * notices off, and sent by e-mail too when they chose e-mail. Call it after the change it reports
 * is committed.
 */
export async function notify(app: AppContext, accountId: string, notification: NotificationInput): Promise<void> {
  const contact = await notificationContactOf(app, accountId);
  await addNotification(portalDb(app.db), accountId, notification, { read: !contact.inApp });
  if (contact.email) await app.mail.send(app.db, notificationMail(app, contact.email, contact.language, notification));
}

function notificationMail(app: AppContext, to: string, language: 'ja' | 'en', n: NotificationInput) {
  const title = language === 'en' && n.title.en ? n.title.en : n.title.ja;
  const body = n.body ? (language === 'en' && n.body.en ? n.body.en : n.body.ja) : '';
  const base = app.config.publicUrl.replace(/\/+$/, '');
  const link = n.link ? `${base}${n.link}` : `${base}/account/notifications`;
  const footer = language === 'en'
    ? 'You get this e-mail because your profile asks for notices by e-mail. Change it at'
    : 'このメールは、プロフィールでお知らせをメールで受け取る設定にしているため送っています。設定の変更：';
  return {
    to,
    subject: `[${language === 'en' ? 'Tsunagu' : 'つなぐ'}] ${title}`,
    text: [title, body, link, '', `${footer} ${base}/account/profile`].filter((line, i) => i > 2 || line).join('\n'),
  };
}
