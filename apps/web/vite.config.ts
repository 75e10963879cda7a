import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/** The sync server the dev server talks to (`npm run dev -w @staff-sync/web` next to `npm start`). */
const server = process.env.STAFF_SYNC_DEV_SERVER ?? 'http://127.0.0.1:8080';

export default defineConfig({
  plugins: [react()],
  build: {
    target: 'es2022',
    // The manifest tells the bundle budget which chunks load at start and which on demand.
    manifest: true,
    sourcemap: false,
  },
  server: {
    proxy: {
      '/staff-sync': { target: server.replace(/^http/, 'ws'), ws: true },
      '/api': server,
      '/health': server,
    },
  },
});
