import { randomUUID } from 'node:crypto';
import { createClient, type SupabaseClient } from '@supabase/supabase-js';

/**
 * A real supabase-js client whose fetch answers from a fixed roster: for tests where no Supabase
 * project can exist (none is reachable from these machines). It records every URL asked for.
 */
export function cannedSupabase(rows: { name: string; position: string }[]): { client: SupabaseClient; requests: string[] } {
  const requests: string[] = [];
  const now = new Date().toISOString();
  const staff = rows.map((r, i) => ({
    id: randomUUID(),
    restaurant_id: 'r1',
    name: r.name,
    position: r.position,
    department: '調理',
    type: 'regular',
    status: '社員',
    color: null,
    staff_order: i,
    start_period: null,
    end_period: null,
    is_active: true,
    version: 1,
    created_at: now,
    updated_at: now,
  }));
  const fetch = async (input: RequestInfo | URL): Promise<Response> => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    requests.push(`${url.pathname}${decodeURIComponent(url.search)}`);
    const body = url.pathname.endsWith('/staff') ? staff : [];
    return new Response(JSON.stringify(body), { status: 200, headers: { 'Content-Type': 'application/json' } });
  };
  const client = createClient('http://supabase.invalid', 'anon-key', {
    global: { fetch },
    auth: { persistSession: false, autoRefreshToken: false },
  });
  return { client, requests };
}
