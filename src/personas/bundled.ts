import apiEngineer from '../../personas/api-engineer.md';
import businessAnalyst from '../../personas/business-analyst.md';
import dataEngineer from '../../personas/data-engineer.md';
import deploymentEngineer from '../../personas/deployment-engineer.md';
import securityEngineer from '../../personas/security-engineer.md';
import type { IBundledPersonaFile } from './registry';

/** The persona files shipped with the extension, as text (bundled as `asset/source`). */
export const BUNDLED_PERSONAS: readonly IBundledPersonaFile[] = [
  { id: 'data-engineer', path: 'personas/data-engineer.md', text: dataEngineer },
  { id: 'business-analyst', path: 'personas/business-analyst.md', text: businessAnalyst },
  { id: 'api-engineer', path: 'personas/api-engineer.md', text: apiEngineer },
  { id: 'security-engineer', path: 'personas/security-engineer.md', text: securityEngineer },
  { id: 'deployment-engineer', path: 'personas/deployment-engineer.md', text: deploymentEngineer }
];
