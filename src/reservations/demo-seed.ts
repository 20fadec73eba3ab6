// Demo calendars: the citizens' and the health insurance counters of 会津若松市 and 郡山市, open
// on weekdays 8:30–12:00 and 13:00–17:00 in 30-minute slots for two people, 30 days ahead.
import type { AppContext } from '../platform/module.ts';
import { departmentOf } from '../procedures/exports.ts';
import type { CalendarDefinition } from './calendar/calendar-definition.ts';
import { reservationsDb } from './db/schema.ts';

const weekday = [{ from: '08:30', to: '12:00' }, { from: '13:00', to: '17:00' }];
const DEMO: CalendarDefinition = { slotMinutes: 30, capacity: 2, horizonDays: 30, weekly: { mon: weekday, tue: weekday, wed: weekday, thu: weekday, fri: weekday }, closures: [] };

export async function seedReservationsDemo(ctx: AppContext): Promise<void> {
  const db = reservationsDb(ctx.db);
  for (const lgCode of ['072028', '072036']) {
    for (const dept of ['shimin', 'kokuho']) {
      if (!(await departmentOf(ctx, lgCode, dept))) continue;
      await db.insertInto('reservation_calendars').values({ lg_code: lgCode, department_code: dept, definition: JSON.stringify(DEMO), updated_by: 'demo-seed' }).onConflict((oc) => oc.columns(['lg_code', 'department_code']).doNothing()).execute();
    }
  }
}
