import type { ITool } from '../../tools/types';
import type { ServiceLookup } from '../access';
import { listChangesTool } from '../changeTools';
import {
  deleteFileTool,
  editFileTool,
  renameFileTool,
  writeFileTool
} from '../editTools';
import { findFilesTool, listDirectoryTool, readFileTool } from '../readTools';
import { findUsagesTool, searchFilesTool } from '../searchTools';

/**
 * The file tools: list_directory, read_file, find_files, search_files,
 * find_usages, write_file, edit_file, rename_file, delete_file,
 * list_changes. They expect a `FilesService` as
 * `context.services[FILES_SERVICE]`.
 */
export function createFileTools(options: IFileToolsOptions = {}): ITool[] {
  const lookup = options.service;
  return [
    listDirectoryTool(lookup),
    readFileTool(lookup),
    findFilesTool(lookup),
    searchFilesTool(lookup),
    findUsagesTool(lookup),
    writeFileTool(lookup),
    editFileTool(lookup),
    renameFileTool(lookup),
    deleteFileTool(lookup),
    listChangesTool()
  ];
}

export interface IFileToolsOptions {
  /**
   * The service the tools run with, for the approval step (`riskOf` resolves
   * paths and applies the sensitive-path settings through it).
   */
  service?: ServiceLookup;
}
