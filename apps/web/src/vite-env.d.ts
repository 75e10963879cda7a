/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** Direct Supabase mode (the WEBSOCKET_STAFF_MANAGEMENT fallback): all three, or none. */
  readonly VITE_SUPABASE_URL?: string;
  readonly VITE_SUPABASE_ANON_KEY?: string;
  readonly VITE_RESTAURANT_ID?: string;
  /** The flag's default: on, off, or a rollout percentage. */
  readonly VITE_WEBSOCKET_STAFF_MANAGEMENT?: string;
}
