// The booking calendar's rules on fixed dates: national holidays (with substitute holidays) and the
// year-end break are closed whatever the calendar says; weekdays follow the weekly hours.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkDefinition, dayPlan, type CalendarDefinition } from '../calendar/calendar-definition.ts';
import { japanInstant, todayInJapanIso } from '../../platform/i18n/dates.ts';
import { closedByLaw } from '../calendar/japanese-calendar.ts';

const weekday = [{ from: '08:30', to: '12:00' }, { from: '13:00', to: '17:00' }];
const calendar: CalendarDefinition = { slotMinutes: 30, capacity: 2, horizonDays: 30, weekly: { mon: weekday, tue: weekday, wed: weekday, thu: weekday, fri: weekday }, closures: [{ date: '2026-12-10', reason: { ja: '庁舎の停電', en: 'Power cut' } }] };

describe('booking calendar', () => {
  it('closes national holidays, substitute holidays and the year-end break', () => {
    assert.equal(closedByLaw('2026-11-23')?.ja, '勤労感謝の日');
    assert.equal(closedByLaw('2027-01-11')?.ja, '成人の日');
    assert.match(closedByLaw('2026-05-06')?.ja ?? '', /振替休日/, 'a substitute holiday (Constitution Day fell on a Sunday)');
    for (const date of ['2026-12-29', '2026-12-31', '2027-01-02', '2027-01-03']) assert.equal(closedByLaw(date)?.ja, '年末年始の休日', date);
    assert.equal(closedByLaw('2026-12-28'), undefined);
    assert.equal(closedByLaw('2027-01-04'), undefined);
    const holiday = dayPlan(calendar, '2027-01-11');
    assert.ok('closed' in holiday && holiday.closed.en === 'Coming of Age Day');
  });

  it('gives a weekday its slots in Japan time, and closes weekends and extra closures', () => {
    const monday = dayPlan(calendar, '2026-12-07');
    assert.ok('slots' in monday);
    assert.equal(monday.slots.length, 15, '7 in the morning (8:30–12:00) and 8 in the afternoon');
    assert.deepEqual([monday.slots[0]!.time, monday.slots[6]!.time, monday.slots[7]!.time, monday.slots.at(-1)!.time], ['08:30', '11:30', '13:00', '16:30']);
    assert.equal(monday.slots[0]!.start.toISOString(), '2026-12-06T23:30:00.000Z', '8:30 in Japan is 23:30 UTC the day before');
    assert.ok('closed' in dayPlan(calendar, '2026-12-05'), 'Saturday');
    const closure = dayPlan(calendar, '2026-12-10');
    assert.ok('closed' in closure && closure.closed.ja === '庁舎の停電');
    assert.equal(todayInJapanIso(new Date('2026-12-03T15:30:00Z')), '2026-12-04', 'after 15:00 UTC it is already tomorrow in Japan');
    assert.equal(japanInstant('2026-12-04', '00:00').toISOString(), '2026-12-03T15:00:00.000Z');
  });

  it('names every problem of a bad calendar', () => {
    const problems = checkDefinition({ slotMinutes: 5, capacity: 0, horizonDays: 400, weekly: { mon: [{ from: '09:00', to: '09:20' }], tue: [{ from: '9:00', to: '12:00' }], wed: [{ from: '09:00', to: '12:00' }, { from: '11:00', to: '13:00' }], xyz: [] } as never, closures: [{ date: '2026-02-30', reason: { ja: 'x', en: 'x' } }] });
    const names = problems.map((p) => p.name).sort();
    assert.deepEqual(names, ['/capacity', '/closures/0/date', '/horizonDays', '/slotMinutes', '/weekly/tue/0', '/weekly/wed/1', '/weekly/xyz']);
    assert.deepEqual(checkDefinition(calendar), []);
  });
});
