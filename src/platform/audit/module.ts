// Audit: the append-only, hash-chained log of security-relevant actions (audit-log.ts), the API
// to read it within one's scope, and `tsunagu audit verify` to check the chain.
import { defineModule } from '../module.ts';
import { auditEventsApi } from './routes/audit-events-api.ts';

export const auditModule = defineModule({
  name: 'audit',
  dependsOn: ['tenancy'],
  grants: { municipal_admin: ['audit.read'], auditor: ['audit.read'] },
  routes: auditEventsApi,
});
