import { StaffSyncProvider } from '@staff-sync/react';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app.tsx';
import { ToastProvider } from './components/toasts.tsx';
import { LanguageProvider } from './i18n/i18n.tsx';
import { syncSetup } from './sync-setup.ts';
import './styles.css';
import './schedule.css';
import './schedule-print.css';

const setup = syncSetup(window.location);
const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root');

createRoot(root).render(
  <StrictMode>
    <LanguageProvider>
      <StaffSyncProvider options={setup.options} flag={setup.flag} direct={setup.direct}>
        <ToastProvider>
          <App userName={setup.userName} />
        </ToastProvider>
      </StaffSyncProvider>
    </LanguageProvider>
  </StrictMode>,
);
