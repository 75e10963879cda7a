import type { ReactNode } from 'react';
import { useLanguage } from '../i18n/i18n.tsx';

/** Japanese by default; one button switches to English and back. */
export function LanguageSwitch(): ReactNode {
  const { language, messages, setLanguage } = useLanguage();
  return (
    <button
      type="button"
      className="language-switch"
      data-testid="language-switch"
      aria-label={messages.switchLanguageLabel}
      lang={language === 'ja' ? 'en' : 'ja'}
      onClick={() => setLanguage(language === 'ja' ? 'en' : 'ja')}
    >
      {messages.switchLanguage}
    </button>
  );
}
