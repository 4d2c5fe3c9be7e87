import * as fs from 'fs';
import * as path from 'path';
import type { ISettingRegistry } from '@jupyterlab/settingregistry';
import { IChatSettings, readSettings } from '../settings';

const SCHEMA = JSON.parse(
  fs.readFileSync(
    path.join(__dirname, '..', '..', 'schema', 'plugin.json'),
    'utf8'
  )
);

/** The defaults as the Settings Editor shows them: schema/plugin.json's `default`s. */
export function schemaDefault(key: string): unknown {
  return JSON.parse(JSON.stringify(SCHEMA.properties[key]?.default ?? null));
}

/** A settings object like the registry's, from the schema with `user` values on top. */
export function fakeSettings(
  user: Record<string, unknown> = {}
): ISettingRegistry.ISettings {
  return {
    user,
    composite: {},
    default: (key: string) => schemaDefault(key),
    get: (key: string) => ({
      composite: key in user ? user[key] : schemaDefault(key),
      user: user[key]
    })
  } as unknown as ISettingRegistry.ISettings;
}

/** The chat settings a fresh install has, with overrides (already parsed, not user-set). */
export function testSettings(
  overrides: Partial<IChatSettings> = {}
): IChatSettings {
  return { ...readSettings(fakeSettings()), ...overrides };
}
