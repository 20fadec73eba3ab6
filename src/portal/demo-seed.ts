// Demo notices a municipality would recognise: the prefecture's and two cities'. Seeded once
// (when the tenant has no notices yet), published from the time of seeding.
import type { AppContext } from '../platform/module.ts';
import { portalDb } from './db/schema.ts';
import { createNotice, type NoticeInput } from './notices/notice-store.ts';

const DAY = 86_400_000;

function notices(now: number): Record<string, NoticeInput[]> {
  const from = new Date(now - DAY);
  return {
    '070009': [
      {
        category: 'important',
        title: { ja: 'マイナンバーカードでログインできます', en: 'You can log in with your My Number card' },
        body: {
          ja: '共通IDにマイナンバーカードで本人確認をしておくと、オンラインでの手続やデータ連携の同意ができるようになります。\n\nアカウントのページから「マイナンバーカードで本人確認」を選んでください。',
          en: 'Checking your identity with your My Number card lets you apply online and consent to data sharing.\n\nChoose "Check with your My Number card" on your account page.',
        },
        publishedFrom: from,
        publishedUntil: null,
      },
      {
        category: 'info',
        title: { ja: '年末年始のシステム保守のお知らせ', en: 'System maintenance over the New Year holidays' },
        body: { ja: '12月29日（火）22時から翌6時まで、システム保守のため一部の手続がご利用になれません。', en: 'Some procedures are unavailable from 22:00 on 29 December until 6:00 the next morning for maintenance.' },
        publishedFrom: from,
        publishedUntil: null,
      },
    ],
    '072028': [
      {
        category: 'info',
        title: { ja: '年末年始の市民課窓口について', en: 'The Citizens Division counters over the New Year holidays' },
        body: { ja: '12月29日から1月3日まで、市役所の窓口はお休みします。転入・転出の届出は、休み明けから14日以内に行ってください。', en: 'The city hall counters are closed from 29 December to 3 January.' },
        publishedFrom: from,
        publishedUntil: null,
      },
    ],
    '072036': [
      {
        category: 'info',
        title: { ja: '児童手当の現況届について', en: 'About the child allowance status report' },
        body: { ja: '児童手当の現況届は、原則として提出が不要になりました。ただし、配偶者からの暴力等により住民票の住所地と異なる市区町村で受給している方などは提出が必要です。', en: '' },
        publishedFrom: from,
        publishedUntil: null,
      },
    ],
  };
}

export async function seedPortalDemo(ctx: AppContext): Promise<void> {
  const db = portalDb(ctx.db);
  for (const [lgCode, list] of Object.entries(notices(Date.now()))) {
    if (!(await ctx.tenants.get(lgCode))) continue;
    const any = await db.selectFrom('portal_notices').select('id').where('lg_code', '=', lgCode).executeTakeFirst();
    if (any) continue;
    for (const notice of list) await createNotice(db, lgCode, notice, 'demo-seed');
  }
}
