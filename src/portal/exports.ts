// What other modules may use of the portal: send a notification to an account's notifications
// centre.
import type { AppContext } from '../platform/module.ts';
import { portalDb } from './db/schema.ts';
import { addNotification, type NotificationInput } from './notifications/notifications.ts';

export type { NotificationInput } from './notifications/notifications.ts';

/** Adds a notification to the account's centre. Call it after the change it reports is committed. */
export async function notify(app: AppContext, accountId: string, notification: NotificationInput): Promise<void> {
  await addNotification(portalDb(app.db), accountId, notification);
}
