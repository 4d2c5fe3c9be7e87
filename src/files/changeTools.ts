import { defineTool } from '../tools/schema';
import { describeChange } from './changeLog';
import { guard, plural } from './common';
import { filesOf } from './service';
import { describeLineChanges } from './text';

/** The assistant's view of its own changes in this chat. */

function when(at: number): string {
  return `${new Date(at).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

export function listChangesTool() {
  return defineTool({
    name: 'list_changes',
    group: 'changes',
    description:
      'List the files you changed in this chat (created, edited, rewritten, renamed, deleted), oldest first, with the lines ' +
      'added and removed and whether the user undid the change.',
    inputSchema: {
      type: 'object',
      properties: {},
      additionalProperties: false
    },
    effect: 'read',
    defaultApproval: 'auto',
    describe: () => 'List the changes made in this chat',
    run: (_input, context) =>
      guard(async () => {
        const service = filesOf(context);
        const records = await service.changeLog.changes(service.chatId);
        if (!records.length) {
          return { content: 'No files were changed in this chat.' };
        }
        const lines = [
          `${plural(records.length, 'change')} in this chat, oldest first:`
        ];
        for (const [index, record] of records.entries()) {
          const facts = [when(record.at), `change ${record.id}`];
          if (
            (record.kind === 'edit' || record.kind === 'write') &&
            record.before !== null &&
            record.after !== null
          ) {
            facts.unshift(
              await describeLineChanges(record.before, record.after)
            );
          }
          const undone = record.undoneAt ? ' — undone by the user' : '';
          lines.push(
            `${index + 1}. ${describeChange(record, path => service.display(path))} (${facts.join(', ')})${undone}`
          );
        }
        const note = service.baseNote();
        if (note) {
          lines.push(note);
        }
        return { content: lines.join('\n') };
      })
  });
}
