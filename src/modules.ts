// The modules this installation runs, in any order (dependencies decide boot order). A new
// capability is added here and nowhere else.
import type { TsunaguModule } from './platform/module.ts';
import { tenancyModule } from './platform/tenancy/module.ts';
import { authzModule } from './platform/authz/module.ts';
import { auditModule } from './platform/audit/module.ts';
import { brokerModule } from './broker/module.ts';
import { identityModule } from './identity/module.ts';
import { optinModule } from './optin/module.ts';
import { proceduresModule } from './procedures/module.ts';
import { portalModule } from './portal/module.ts';
import { reservationsModule } from './reservations/module.ts';
import { documentsModule } from './documents/module.ts';
import { deliveryModule } from './delivery/module.ts';

export const installedModules: TsunaguModule[] = [tenancyModule, authzModule, auditModule, identityModule, optinModule, proceduresModule, portalModule, reservationsModule, documentsModule, deliveryModule, brokerModule];
