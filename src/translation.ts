import { nullTranslator, TranslationBundle } from '@jupyterlab/translation';

/** The translation domain of the extension's strings. */
export const TRANSLATION_DOMAIN = 'jupyterlab_data_engineer';

/** The bundle to use when no translator was given (tests, other hosts): the strings as written. */
export const untranslated: TranslationBundle =
  nullTranslator.load(TRANSLATION_DOMAIN);
