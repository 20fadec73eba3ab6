// The two places mail can go. SMTP through nodemailer (a well-kept client: MIME, UTF-8 headers,
// TLS); the dev outbox stores each message sealed in a table for the /dev/outbox page.
import nodemailer from 'nodemailer';
import type { Database } from '../db/database.ts';
import type { Sealer } from '../crypto/sealer.ts';
import type { MailMessage, MailTransport } from './mailer.ts';

export function smtpTransport(url: string, from: string, publicUrl: string): MailTransport {
  const transporter = nodemailer.createTransport(url);
  const domain = new URL(publicUrl).hostname;
  return {
    kind: 'smtp',
    deliver: async (message, messageId) => {
      await transporter.sendMail({
        from,
        to: message.to,
        subject: message.subject,
        text: message.text,
        messageId: `<${messageId}@${domain}>`,
      });
    },
    close: async () => transporter.close(),
  };
}

export function outboxContext(id: string): string {
  return `platform_mail_outbox:${id}`;
}

export function outboxTransport(db: Database, sealer: Sealer): MailTransport {
  return {
    kind: 'outbox',
    deliver: async (message, messageId) => {
      // The job id is unique, so a retried delivery does not show the message twice.
      await db
        .insertInto('platform_mail_outbox')
        .values({ id: messageId, message: sealer.sealJson(message, outboxContext(messageId)) })
        .onConflict((oc) => oc.column('id').doNothing())
        .execute();
    },
  };
}

export interface OutboxEntry extends MailMessage {
  id: string;
  sentAt: Date;
}

/** Newest first, for the dev outbox page and tests. */
export async function readOutbox(db: Database, sealer: Sealer, options: { limit: number; offset: number }): Promise<OutboxEntry[]> {
  const rows = await db
    .selectFrom('platform_mail_outbox')
    .select(['id', 'message', 'sent_at'])
    .orderBy('sent_at', 'desc')
    .orderBy('id', 'desc')
    .limit(options.limit)
    .offset(options.offset)
    .execute();
  return rows.map((row) => ({ id: row.id, sentAt: row.sent_at, ...sealer.openJson<MailMessage>(row.message, outboxContext(row.id)) }));
}
