// Demo data for opt-in (TSUNAGU_DEMO_DATA, never in production): two data providers run by
// municipalities and one service, matching the demo processes `tsunagu serve` starts beside the
// City OS (src/demo/): 母子健康記録システム (会津若松市) on PORT+2, 住民記録システム (福島市) on PORT+3,
// and 子育て応援アプリ on PORT+4, an approved service of 会津若松市. Their shared secrets are
// derived from the installation's data key, so the seed and the processes agree without a file.
import type { AppContext } from '../platform/module.ts';
import { optinDb } from './db/schema.ts';
import { Registry, type ProviderInput } from './registry/registry.ts';
import * as identity from '../identity/exports.ts';

export const DEMO_SERVICE = { id: 'kosodate-app', clientId: 'kosodate-app', lgCode: '072028' } as const;

export interface DemoSettings {
  providerTokens: { 'maternal-child-health': string; 'residence-records': string };
  serviceClient: { id: string; secret: string };
  ports: { maternalChildHealth: number; residenceRecords: number; service: number };
  serviceUrl: string;
}

export function demoSettings(app: AppContext): DemoSettings {
  const secret = (name: string) => app.sealer.blindIndex(`demo:${name}`, 'optin.demo-secrets');
  const port = app.config.port;
  const host = new URL(app.config.publicUrl).hostname;
  return {
    providerTokens: { 'maternal-child-health': secret('maternal-child-health'), 'residence-records': secret('residence-records') },
    serviceClient: { id: DEMO_SERVICE.clientId, secret: secret('kosodate-app') },
    ports: { maternalChildHealth: port + 2, residenceRecords: port + 3, service: port + 4 },
    serviceUrl: `http://${host}:${port + 4}`,
  };
}

const text = (ja: string, en: string, dja = '', den = '') => ({ name: { ja, en }, description: { ja: dja, en: den } });

function providers(settings: DemoSettings): ProviderInput[] {
  return [
    {
      id: 'maternal-child-health',
      lgCode: '072028',
      ...text('母子健康記録システム', 'Maternal and child health records', '会津若松市が母子保健の記録（妊娠届、乳幼児健診、予防接種など）を管理するシステムです。', 'Aizuwakamatsu City’s system for maternal and child health records (pregnancy notifications, infant check-ups, vaccinations).'),
      endpoint: `http://127.0.0.1:${settings.ports.maternalChildHealth}`,
      credentials: { method: 'bearer', token: settings.providerTokens['maternal-child-health'] },
      timeoutMs: 5000,
      items: [
        { code: 'pregnancy', ...text('妊娠届出の情報', 'Pregnancy notification', '届出日、出産予定日', 'Date of notification, expected date of birth'), sensitivity: 'sensitive' },
        { code: 'checkups', ...text('乳幼児健診の記録', 'Infant check-up records', '受診日、月齢、結果、次回の予定', 'Dates, age in months, results, next due'), sensitivity: 'sensitive' },
        { code: 'vaccinations', ...text('予防接種の記録', 'Vaccination records', 'ワクチン、回数、接種日、次回の予定', 'Vaccine, dose, date, next due'), sensitivity: 'sensitive' },
        { code: 'growth', ...text('身長・体重の記録', 'Height and weight', '健診で測った身長と体重', 'Height and weight measured at check-ups'), sensitivity: 'normal' },
        { code: 'consultations', ...text('保健師の相談記録', 'Public health nurse consultations', '相談の日付と内容', 'Dates and notes of consultations'), sensitivity: 'special_care' },
      ],
    },
    {
      id: 'residence-records',
      lgCode: '072010',
      ...text('住民記録システム', 'Residence records', '住民票の記載事項（氏名、住所、世帯）を管理するシステムです。', 'The system holding the resident register (name, address, household).'),
      endpoint: `http://127.0.0.1:${settings.ports.residenceRecords}`,
      credentials: { method: 'bearer', token: settings.providerTokens['residence-records'] },
      timeoutMs: 5000,
      items: [
        { code: 'name', ...text('氏名', 'Name'), sensitivity: 'normal' },
        { code: 'nameKana', ...text('氏名（フリガナ）', 'Name (kana)'), sensitivity: 'normal' },
        { code: 'dateOfBirth', ...text('生年月日', 'Date of birth'), sensitivity: 'normal' },
        { code: 'address', ...text('住所', 'Address'), sensitivity: 'normal' },
        { code: 'household', ...text('世帯の構成', 'Household members', '世帯員の氏名と続柄', 'Names of household members and their relationship'), sensitivity: 'sensitive' },
        { code: 'movedInOn', ...text('住民となった日', 'Date of moving in'), sensitivity: 'normal' },
      ],
    },
  ];
}

export async function seedOptinDemo(app: AppContext): Promise<void> {
  const db = optinDb(app.db);
  const registry = new Registry(app.sealer);
  const settings = demoSettings(app);
  for (const provider of providers(settings)) {
    if (!(await registry.providerExists(db, provider.id))) await registry.createProvider(db, provider, 'system:seed');
  }
  await identity.ensureServiceClient(
    app,
    {
      lgCode: DEMO_SERVICE.lgCode,
      nameJa: '子育て応援アプリ',
      nameEn: 'Child-rearing support app',
      redirectUris: [`${settings.serviceUrl}/callback`, `${settings.serviceUrl}/consent/callback`],
      postLogoutRedirectUris: [`${settings.serviceUrl}/`],
      grantTypes: ['authorization_code', 'client_credentials'],
      public: false,
      scope: 'openid profile gateway',
    },
    { clientId: settings.serviceClient.id, clientSecret: settings.serviceClient.secret },
  );
  if (!(await registry.findService(db, DEMO_SERVICE.id))) {
    await registry.createService(
      db,
      {
        id: DEMO_SERVICE.id,
        lgCode: DEMO_SERVICE.lgCode,
        clientId: DEMO_SERVICE.clientId,
        name: { ja: '子育て応援アプリ', en: 'Child-rearing support app' },
        description: { ja: 'お子さんの健診や予防接種の予定をお知らせするアプリです（デモ）。', en: 'An app that reminds you of your child’s check-ups and vaccinations (demo).' },
        purposes: [
          { code: 'checkup-reminders', text: { ja: 'お子さんの乳幼児健診と予防接種の予定をお知らせし、成長の記録を表示するため', en: 'To remind you of your child’s check-ups and vaccinations and show their growth' } },
          { code: 'address-confirmation', text: { ja: '子育て支援の案内を正しい住所にお届けするため', en: 'To send child-rearing support information to the right address' } },
        ],
        items: { 'maternal-child-health': ['checkups', 'vaccinations', 'growth'], 'residence-records': ['address', 'household'] },
      },
      'system:seed',
      'approved',
    );
  }
}
