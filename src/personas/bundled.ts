import apiEngineer from '../../personas/api-engineer.md';
import businessAnalyst from '../../personas/business-analyst.md';
import dataEngineer from '../../personas/data-engineer.md';
import deploymentEngineer from '../../personas/deployment-engineer.md';
import securityEngineer from '../../personas/security-engineer.md';
import { BUNDLED_FRONT_MATTER } from './bundledFrontMatter';
import type { IBundledPersonaFile } from './registry';

/** A bundled file with its front matter parsed at build time (no YAML parser in the page). */
function bundled(id: string, path: string, text: string): IBundledPersonaFile {
  const parsed = BUNDLED_FRONT_MATTER[path];
  if (!parsed) {
    return { id, path, text };
  }
  const content = text.slice(parsed.contentStart);
  return {
    id,
    path,
    text,
    frontMatter: { data: { ...parsed.data }, content, hasFrontMatter: true }
  };
}

/** The persona files shipped with the extension, as text (bundled as `asset/source`). */
export const BUNDLED_PERSONAS: readonly IBundledPersonaFile[] = [
  bundled('data-engineer', 'personas/data-engineer.md', dataEngineer),
  bundled('business-analyst', 'personas/business-analyst.md', businessAnalyst),
  bundled('api-engineer', 'personas/api-engineer.md', apiEngineer),
  bundled(
    'security-engineer',
    'personas/security-engineer.md',
    securityEngineer
  ),
  bundled(
    'deployment-engineer',
    'personas/deployment-engineer.md',
    deploymentEngineer
  )
];
