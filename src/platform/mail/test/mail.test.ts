import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestApp, type TestApp } from '../../../../test/helpers/test-database.ts';
import { startSmtpSink, type SmtpSink } from '../../../../test/helpers/smtp-sink.ts';
import { readOutbox } from '../transports.ts';

describe('outgoing mail', () => {
  describe('over SMTP', () => {
    let sink: SmtpSink;
    let app: TestApp;
    before(async () => {
      sink = await startSmtpSink();
      app = await createTestApp({ config: { smtpUrl: sink.url, mailFrom: 'つなぐ <no-reply@tsunagu.test>' } });
    });
    after(async () => {
      await app?.close();
      await sink?.stop();
    });

    it('send should reach a real SMTP server once the transaction commits, with Japanese intact', async () => {
      await app.ctx.db.transaction().execute((trx) => app.ctx.mail.send(trx, { to: 'hanako@example.jp', subject: '登録の確認', text: '髙橋 様\nこちらを開いてください: http://localhost/x' }));
      await app.ctx.queue.runDue();
      const mail = await sink.waitFor((m) => m.to.includes('hanako@example.jp'));
      assert.equal(mail.subject, '登録の確認');
      assert.match(mail.text, /髙橋 様/);
      assert.match(mail.from, /no-reply@tsunagu\.test/);
    });

    it('a message whose transaction rolls back should never be sent', async () => {
      await assert.rejects(
        app.ctx.db.transaction().execute(async (trx) => {
          await app.ctx.mail.send(trx, { to: 'rollback@example.jp', subject: 'x', text: 'x' });
          throw new Error('rolled back');
        }),
      );
      await app.ctx.queue.runDue();
      await app.ctx.mail.send(app.ctx.db, { to: 'after@example.jp', subject: 'after', text: 'x' });
      await app.ctx.queue.runDue();
      await sink.waitFor((m) => m.to.includes('after@example.jp'));
      assert.ok(!sink.received.some((m) => m.to.includes('rollback@example.jp')));
    });

    it('the queued job should not hold the address or the text in clear', async () => {
      await app.ctx.mail.send(app.ctx.db, { to: 'secret@example.jp', subject: 'トークン', text: 'token-abc123' });
      const jobs = await app.ctx.db.selectFrom('platform_jobs').select('payload').where('topic', '=', 'platform.mail').execute();
      const stored = JSON.stringify(jobs);
      assert.ok(!stored.includes('secret@example.jp') && !stored.includes('token-abc123'));
      await app.ctx.queue.runDue();
    });

    it('a mail server that is down should leave the message queued for a retry', async () => {
      const down = await createTestApp({ config: { smtpUrl: 'smtp://127.0.0.1:1', mailFrom: 'x <x@tsunagu.test>' } });
      try {
        await down.ctx.mail.send(down.ctx.db, { to: 'later@example.jp', subject: 'x', text: 'x' });
        await down.ctx.queue.runDue();
        const job = await down.ctx.db.selectFrom('platform_jobs').select(['status', 'attempts', 'last_error']).where('topic', '=', 'platform.mail').executeTakeFirstOrThrow();
        assert.equal(job.status, 'pending');
        assert.equal(job.attempts, 1);
        assert.match(job.last_error ?? '', /ECONNREFUSED/);
      } finally {
        await down.close();
      }
    });
  });

  describe('to the development outbox', () => {
    let app: TestApp;
    before(async () => {
      app = await createTestApp({ config: { smtpUrl: undefined } });
    });
    after(async () => app?.close());

    it('the outbox page should show the message and its link, newest first', async () => {
      await app.ctx.mail.send(app.ctx.db, { to: 'taro@example.jp', subject: '一通目', text: 'first' });
      await app.ctx.mail.send(app.ctx.db, { to: 'taro@example.jp', subject: '二通目', text: 'open http://localhost:3000/verify?token=abc' });
      // Delivered one at a time: delivered together (concurrently, on PostgreSQL) they would
      // reach the outbox in either order.
      while ((await app.ctx.queue.runDue(1)) > 0);
      const entries = await readOutbox(app.ctx.db, app.ctx.sealer, { limit: 10, offset: 0 });
      assert.deepEqual(entries.map((e) => e.subject), ['二通目', '一通目']);
      const page = await app.app.inject({ method: 'GET', url: '/dev/outbox' });
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /二通目/);
      assert.match(page.body, /<a href="http:\/\/localhost:3000\/verify\?token=abc">/);
    });

    it('the outbox page should not exist in production', async () => {
      const production = await createTestApp({ config: { smtpUrl: undefined, production: true } });
      try {
        assert.equal((await production.app.inject({ method: 'GET', url: '/dev/outbox' })).statusCode, 404);
      } finally {
        await production.close();
      }
    });
  });
});
