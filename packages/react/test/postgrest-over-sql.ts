import type postgres from 'postgres';

/**
 * A fetch for supabase-js that answers the few PostgREST requests the direct mode makes (select,
 * insert, update with `col=eq.value` filters and `order`) with parameterized SQL on a real
 * PostgreSQL that has the staff-sync schema and triggers. No PostgREST can be installed on these
 * machines and no Supabase project is reachable; this stands in for the HTTP layer only, so the
 * version check and the triggers are the real ones. Anything else is refused with 400.
 */
const COLUMNS: Record<string, readonly string[]> = {
  staff: [
    'id',
    'restaurant_id',
    'name',
    'position',
    'department',
    'type',
    'status',
    'color',
    'staff_order',
    'start_period',
    'end_period',
    'is_active',
    'version',
    'created_at',
    'updated_at',
  ],
  schedule_periods: ['restaurant_id', 'start_date', 'end_date', 'label'],
};
const JSONB = new Set(['start_period', 'end_period']);

/** PostgREST reads filter values by the column's type; here the few non-text columns. */
function typed(column: string, value: string): unknown {
  if (column === 'is_active') return value === 'true';
  if (column === 'version' || column === 'staff_order') return Number(value);
  return value;
}

export function postgrestOverSql(sql: postgres.Sql): { fetch: typeof fetch; requests: string[] } {
  const requests: string[] = [];
  const fetchImpl = async (input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    const method = (init.method ?? 'GET').toUpperCase();
    requests.push(`${method} ${url.pathname}${decodeURIComponent(url.search)}`);
    const table = url.pathname.replace(/^\/rest\/v1\//, '');
    const columns = COLUMNS[table];
    if (!columns) return json(400, { message: `no table ${table}` });
    const params: unknown[] = [];
    const value = (column: string, v: unknown) => {
      params.push(JSONB.has(column) && v !== null ? JSON.stringify(v) : v);
      return JSONB.has(column) ? `$${params.length}::jsonb` : `$${params.length}`;
    };
    const where: string[] = [];
    let order = '';
    for (const [key, raw] of url.searchParams) {
      if (key === 'select' || key === 'columns') continue;
      if (key === 'order') {
        const [column, direction] = raw.split('.');
        if (!column || !columns.includes(column)) return json(400, { message: `cannot order by ${raw}` });
        order = ` order by ${column} ${direction === 'desc' ? 'desc' : 'asc'}`;
        continue;
      }
      if (!columns.includes(key) || !raw.startsWith('eq.')) return json(400, { message: `unsupported filter ${key}=${raw}` });
      params.push(typed(key, raw.slice(3)));
      where.push(`${key} = $${params.length}`);
    }
    const filter = where.length ? ` where ${where.join(' and ')}` : '';
    const body = typeof init.body === 'string' ? (JSON.parse(init.body) as Record<string, unknown>) : {};
    const names = Object.keys(Array.isArray(body) ? (body[0] ?? {}) : body);
    if (names.some((n) => !columns.includes(n))) return json(400, { message: 'unknown column in body' });
    let text: string;
    if (method === 'GET') text = `select * from ${table}${filter}${order}`;
    else if (method === 'PATCH') {
      if (!where.length) return json(400, { message: 'an update needs a filter' });
      const sets = names.map((n) => `${n} = ${value(n, body[n])}`);
      text = `update ${table} set ${sets.join(', ')}${filter} returning *`;
    } else if (method === 'POST') {
      const rows = (Array.isArray(body) ? body : [body]) as Record<string, unknown>[];
      const tuples = rows.map((row) => `(${names.map((n) => value(n, row[n] ?? null)).join(', ')})`);
      text = `insert into ${table} (${names.join(', ')}) values ${tuples.join(', ')} returning *`;
    } else return json(405, { message: `${method} is not supported here` });
    try {
      const rows = await sql.unsafe(text, params as never[]);
      return json(method === 'POST' ? 201 : 200, [...rows]);
    } catch (error) {
      return json(400, { message: (error as Error).message, code: (error as { code?: string }).code });
    }
  };
  return { fetch: fetchImpl as typeof fetch, requests };
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
