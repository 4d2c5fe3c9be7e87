// A ToolCard for component tests: the props a spec does not look at are filled in.
import '../notebook/__tests__/jupyterlabMocks';
import * as React from 'react';
import type { IToolCall } from '../chats/conversation';
import { untranslated } from '../translation';
import { IToolCardProps, ToolCard } from '../ui/toolCard';

/** `<ToolCard call={call} ... />`, with a stand-in rendermime, no translation and no answer handler. */
export function toolCard(
  call: IToolCall,
  props: Partial<IToolCardProps> = {}
): JSX.Element {
  return (
    <ToolCard
      call={call}
      rendermime={{} as any}
      trans={untranslated}
      onAnswer={() => undefined}
      {...props}
    />
  );
}
