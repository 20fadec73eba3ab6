// Authorisation: the platform's roles, scoped role assignments and the guard every module uses,
// plus operator API tokens (the first way to authenticate; staff sessions and OIDC clients come
// with the identity module). Role changes are written to the audit log.
import { defineModule } from '../module.ts';
import { apiTokenAuthenticator } from './api-tokens.ts';
import { roleAssignmentsApi } from './routes/role-assignments-api.ts';

export const authzModule = defineModule({
  name: 'authz',
  dependsOn: ['tenancy'],
  grants: {
    municipal_admin: ['authz.manage_roles', 'authz.read_roles'],
    auditor: ['authz.read_roles'],
  },
  authenticators: (ctx) => [apiTokenAuthenticator(ctx.db)],
  routes: roleAssignmentsApi,
});
