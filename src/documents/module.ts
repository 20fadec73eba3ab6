// Issued documents with an official signature (職責署名, 003B P5.5 and P6): a municipality issues a
// Japanese PDF signed with its head's office-holder key (certified by a TEST stand-in for LGPKI's
// CA); the resident downloads it on My page; anyone checks it on the public /verify page, which
// says whether it is genuine, unaltered, registered and in force. docs/documents.md describes it.
import { defineModule } from '../platform/module.ts';
import { documentsApi } from './api/documents-api.ts';
import { documentsMigrations } from './db/migrations/index.ts';
import en from './locales/en.json' with { type: 'json' };
import ja from './locales/ja.json' with { type: 'json' };
import { accountDocumentsPages } from './pages/account-documents-pages.tsx';
import { verifyPages } from './pages/verify-pages.tsx';

export const documentsModule = defineModule({
  name: 'documents',
  dependsOn: ['tenancy', 'authz', 'audit', 'identity', 'portal'],
  migrations: documentsMigrations,
  messages: { ja, en },
  grants: {
    municipal_admin: ['documents.issue'],
  },
  routes: async (fastify, app) => {
    await documentsApi(fastify, app);
    await verifyPages(fastify, app);
    await accountDocumentsPages(fastify, app);
  },
});
