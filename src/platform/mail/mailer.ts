// Outgoing e-mail for every module. A message is a durable job written in the transaction of the
// change that causes it (a sign-up, a status change), so it is sent once that change commits and
// is retried if the mail server is down. The job holds the message sealed: a verification link is
// a secret until it is used, and the address is personal data.
//
// Where mail goes: the SMTP server in TSUNAGU_SMTP_URL; without one (development) the dev outbox,
// a table shown at /dev/outbox.
import type { Database } from '../db/database.ts';
import type { Sealer } from '../crypto/sealer.ts';
import type { JobQueue } from '../queue/job-queue.ts';

export interface MailMessage {
  to: string;
  subject: string;
  /** Plain text: it reads the same in every mail client and screen reader. */
  text: string;
}

export interface MailTransport {
  readonly kind: 'smtp' | 'outbox';
  deliver(message: MailMessage, messageId: string): Promise<void>;
  close?(): Promise<void>;
}

export const MAIL_TOPIC = 'platform.mail';
const SEAL_CONTEXT = 'platform_jobs.mail';

export class Mailer {
  constructor(
    private readonly queue: JobQueue,
    private readonly sealer: Sealer,
    readonly transport: MailTransport,
  ) {}

  /** Queues a message; pass the transaction of the change that causes it. */
  async send(db: Database, message: MailMessage): Promise<void> {
    if (!/^[^\s@]+@[^\s@]+$/.test(message.to)) throw new TypeError('mail needs an address');
    await this.queue.enqueue(db, MAIL_TOPIC, { sealed: this.sealer.sealJson(message, SEAL_CONTEXT) }, { maxAttempts: 20 });
  }

  /** The job handler: the job id makes the Message-ID, so a retried send is recognisable. */
  readonly deliver = async (payload: { sealed: string }, job: { id: number }): Promise<void> => {
    const message = this.sealer.openJson<MailMessage>(payload.sealed, SEAL_CONTEXT);
    await this.transport.deliver(message, `job-${job.id}`);
  };
}
