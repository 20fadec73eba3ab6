// Demo routings for 会津若松市 and 郡山市 (and the prefecture's automobile tax), so `npm start`
// shows the back office at work: 子ども医療費助成 goes receive → check → two approval levels in
// こども家庭課 and issues a signed decision; it waits for 国民健康保険の加入 applied for with it
// (the child's health insurance comes first). Other procedures use the default routing.
import { actorId, system } from '../../platform/authz/actor.ts';
import type { ProceduresContext } from '../procedures-context.ts';
import type { Stage } from '../db/schema.ts';
import { findRouting, saveRouting, type Routing } from './routing.ts';

const stage = (kind: Stage['kind'], departmentCode: string, days: number): Stage => ({ kind, departmentCode, role: kind === 'approve' ? 'approver' : 'reviewer', days });

function cityRoutings(lgCode: string): Array<[string, Routing]> {
  return [
    ['kodomo-iryouhi', { stages: [stage('receive', 'kodomo', 2), stage('check', 'kodomo', 5), stage('approve', 'kodomo', 2), stage('approve', 'kodomo', 3)], after: [{ lgCode, code: 'kokuho-kanyu' }], issueDocument: true, documentTitle: '子ども医療費助成 受給資格認定通知書' }],
    ['jidou-teate', { stages: [stage('receive', 'kodomo', 2), stage('check', 'kodomo', 10), stage('approve', 'kodomo', 3), stage('approve', 'kodomo', 3)], after: [], issueDocument: true, documentTitle: '児童手当 認定通知書' }],
    ['kokuho-kanyu', { stages: [stage('receive', 'kokuho', 1), stage('check', 'kokuho', 3), stage('approve', 'kokuho', 2)], after: [], issueDocument: false, documentTitle: null }],
    ['shussei-renraku', { stages: [stage('receive', 'kenko', 2), stage('approve', 'kenko', 3)], after: [], issueDocument: false, documentTitle: null }],
  ];
}

export async function seedDemoRoutings(ctx: ProceduresContext, prefecture: string, cities: readonly string[]): Promise<void> {
  const all: Array<[string, string, Routing]> = [
    [prefecture, 'jidoushazei-jusho', { stages: [stage('receive', 'zeimu', 2), stage('approve', 'zeimu', 3)], after: [], issueDocument: false, documentTitle: null }],
    ...cities.flatMap((lgCode) => cityRoutings(lgCode).map(([code, routing]) => [lgCode, code, routing] as [string, string, Routing])),
  ];
  for (const [lgCode, code, routing] of all) {
    if (!(await findRouting(ctx.db, lgCode, code))) await saveRouting(ctx.db, lgCode, code, routing, null, actorId(system));
  }
}
