import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import { en } from './en.ts';
import { ja, type Messages } from './ja.ts';

type Language = 'ja' | 'en';

const CATALOGS: Record<Language, Messages> = { ja, en };
const STORAGE_KEY = 'staff-sync:lang';

interface LanguageContextValue {
  language: Language;
  messages: Messages;
  setLanguage: (language: Language) => void;
}

const LanguageContext = createContext<LanguageContextValue | null>(null);

function savedLanguage(): Language {
  try {
    return localStorage.getItem(STORAGE_KEY) === 'en' ? 'en' : 'ja';
  } catch {
    return 'ja';
  }
}

/** Japanese unless the person chose English in this browser (kept in localStorage). */
export function LanguageProvider(props: { children: ReactNode }): ReactNode {
  const [language, setLanguageState] = useState<Language>(savedLanguage);
  const setLanguage = useCallback((next: Language) => {
    setLanguageState(next);
    try {
      localStorage.setItem(STORAGE_KEY, next);
    } catch {
      // Private mode without storage: the choice lasts for this page only.
    }
  }, []);
  useEffect(() => {
    // Screen readers pick their voice by the document's language; the tab's title follows too.
    document.documentElement.lang = language;
    document.title = CATALOGS[language].appTitle;
  }, [language]);
  const value = useMemo(() => ({ language, messages: CATALOGS[language], setLanguage }), [language, setLanguage]);
  return <LanguageContext.Provider value={value}>{props.children}</LanguageContext.Provider>;
}

export function useLanguage(): LanguageContextValue {
  const value = useContext(LanguageContext);
  if (!value) throw new Error('useLanguage needs a <LanguageProvider> above it');
  return value;
}

/** The strings of the current language. */
export function useMessages(): Messages {
  return useLanguage().messages;
}
