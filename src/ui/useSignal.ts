import * as React from 'react';
import type { ISignal } from '@lumino/signaling';
import type { ChatModel, ITurnChanged } from '../chats/chatModel';
import type { Turn } from '../chats/conversation';

/** Re-render the component whenever one of the signals fires. */
export function useSignals(signals: ISignal<any, any>[]): void {
  const [, setTick] = React.useState(0);
  React.useEffect(() => {
    const handler = () => setTick(tick => tick + 1);
    signals.forEach(signal => signal.connect(handler));
    return () => signals.forEach(signal => signal.disconnect(handler));
  }, signals);
}

/** How often a streaming reply is rendered again, at most (ms). */
export const STREAM_RENDER_INTERVAL_MS = 150;

/**
 * The model's turns, for rendering. Changes are rendered at most every
 * `STREAM_RENDER_INTERVAL_MS` (in an animation frame), so a streamed reply
 * or a tool round trip costs the page little; what the user must see or act
 * on at once is rendered at once: an added turn (their message, the next
 * reply), a removed one, a reply's first text and a tool call waiting for
 * their approval.
 */
export function useTurns(model: ChatModel): ReadonlyArray<Turn> {
  const [turns, setTurns] = React.useState(model.turns);
  React.useEffect(() => {
    let frame: number | null = null;
    let timer: ReturnType<typeof setTimeout> | null = null;
    let last = 0;
    const cancel = () => {
      if (frame !== null) {
        cancelAnimationFrame(frame);
        frame = null;
      }
      if (timer !== null) {
        clearTimeout(timer);
        timer = null;
      }
    };
    const flush = () => {
      cancel();
      last = performance.now();
      setTurns(model.turns);
    };
    const later = () => {
      if (frame !== null || timer !== null) {
        return;
      }
      const wait = last + STREAM_RENDER_INTERVAL_MS - performance.now();
      if (wait <= 0) {
        frame = requestAnimationFrame(flush);
      } else {
        timer = setTimeout(() => {
          timer = null;
          frame = requestAnimationFrame(flush);
        }, wait);
      }
    };
    const onChange = (_: unknown, change: ITurnChanged) => {
      if (urgent(change)) {
        flush();
      } else {
        later();
      }
    };
    setTurns(model.turns);
    model.turnChanged.connect(onChange);
    model.turnRemoved.connect(flush);
    model.turnAdded.connect(flush);
    return () => {
      cancel();
      model.turnChanged.disconnect(onChange);
      model.turnRemoved.disconnect(flush);
      model.turnAdded.disconnect(flush);
    };
  }, [model]);
  return turns;
}

/** Whether a change must show at once rather than with the next throttled render. */
function urgent({ turn, previous }: ITurnChanged): boolean {
  if (turn.role !== 'assistant' || previous.role !== 'assistant') {
    return true;
  }
  if (!previous.text && turn.text) {
    return true; // the first token
  }
  // A tool call that now waits for the user's approval.
  return turn.blocks.some((block, i) => {
    const before = previous.blocks[i];
    return (
      block.type === 'tool' &&
      block.call.state === 'waiting_approval' &&
      (before?.type !== 'tool' || before.call.state !== 'waiting_approval')
    );
  });
}
