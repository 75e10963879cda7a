/**
 * Japan's public holidays (国民の祝日に関する法律), computed here so the schedule needs no
 * network: fixed days, the Happy Monday days, the equinoxes by the usual formula (valid 1980..2099),
 * the one-off moves of 2019..2021, substitute holidays (振替休日) and the day between two holidays
 * (国民の休日). Good from 2000 on; the names are data, shown as they are.
 */

const pad = (n: number) => String(n).padStart(2, '0');
const key = (year: number, month: number, day: number) => `${year}-${pad(month)}-${pad(day)}`;

/** The day of the month of the `nth` Monday of a month. */
function nthMonday(year: number, month: number, nth: number): number {
  const first = new Date(Date.UTC(year, month - 1, 1)).getUTCDay();
  return 1 + ((8 - first) % 7) + (nth - 1) * 7;
}

function equinox(year: number, base: number): number {
  return Math.floor(base + 0.242194 * (year - 1980) - Math.floor((year - 1980) / 4));
}

/** The holidays the law names for `year`, before substitutes. */
function namedHolidays(year: number): Map<string, string> {
  const days = new Map<string, string>();
  const add = (month: number, day: number, name: string) => days.set(key(year, month, day), name);
  add(1, 1, '元日');
  add(1, nthMonday(year, 1, 2), '成人の日');
  add(2, 11, '建国記念の日');
  if (year >= 2020) add(2, 23, '天皇誕生日');
  else if (year <= 2018) add(12, 23, '天皇誕生日');
  add(3, equinox(year, 20.8431), '春分の日');
  add(4, 29, '昭和の日');
  add(5, 3, '憲法記念日');
  add(5, 4, 'みどりの日');
  add(5, 5, 'こどもの日');
  const moved: Record<number, { sea: number[]; mountain: number[]; sports: number[] }> = {
    2020: { sea: [7, 23], mountain: [8, 10], sports: [7, 24] },
    2021: { sea: [7, 22], mountain: [8, 8], sports: [7, 23] },
  };
  const special = moved[year];
  const [seaMonth, seaDay] = special?.sea ?? [7, nthMonday(year, 7, 3)];
  add(seaMonth as number, seaDay as number, '海の日');
  if (year >= 2016) {
    const [month, day] = special?.mountain ?? [8, 11];
    add(month as number, day as number, '山の日');
  }
  add(9, nthMonday(year, 9, 3), '敬老の日');
  add(9, equinox(year, 23.2488), '秋分の日');
  const [sportsMonth, sportsDay] = special?.sports ?? [10, nthMonday(year, 10, 2)];
  add(sportsMonth as number, sportsDay as number, year >= 2020 ? 'スポーツの日' : '体育の日');
  add(11, 3, '文化の日');
  add(11, 23, '勤労感謝の日');
  if (year === 2019) {
    add(5, 1, '天皇の即位の日');
    add(10, 22, '即位礼正殿の儀の行われる日');
  }
  return days;
}

function shift(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

const weekday = (date: string) => new Date(`${date}T00:00:00Z`).getUTCDay();

const cache = new Map<number, ReadonlyMap<string, string>>();

/** Every public holiday of `year`: date (`YYYY-MM-DD`) -> name. */
export function holidaysOf(year: number): ReadonlyMap<string, string> {
  const known = cache.get(year);
  if (known) return known;
  const days = namedHolidays(year);
  const named = [...days.keys()].sort();
  // A weekday squeezed between two holidays is a holiday too (国民の休日).
  for (const date of named) {
    const between = shift(date, 1);
    if (!days.has(between) && days.has(shift(date, 2)) && weekday(between) !== 0) days.set(between, '国民の休日');
  }
  // A holiday on a Sunday moves to the next day that is not one (振替休日).
  for (const date of named) {
    if (weekday(date) !== 0) continue;
    let next = shift(date, 1);
    while (days.has(next)) next = shift(next, 1);
    days.set(next, '振替休日');
  }
  cache.set(year, days);
  return days;
}

/** The holiday's name on `date` (`YYYY-MM-DD`), or undefined on an ordinary day. */
export function holidayName(date: string): string | undefined {
  return holidaysOf(Number(date.slice(0, 4))).get(date);
}
