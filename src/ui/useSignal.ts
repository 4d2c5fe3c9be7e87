import * as React from 'react';
import type { ISignal } from '@lumino/signaling';
import type { ChatModel } from '../agent/chatModel';
import type { Turn } from '../agent/conversation';

/** Re-render the component whenever one of the signals fires. */
export function useSignals(signals: ISignal<any, any>[]): void {
  const [, setTick] = React.useState(0);
  React.useEffect(() => {
    const handler = () => setTick(tick => tick + 1);
    signals.forEach(signal => signal.connect(handler));
    return () => signals.forEach(signal => signal.disconnect(handler));
  }, signals);
}

/** The model's turns, updated at most once per animation frame. */
export function useTurns(model: ChatModel): ReadonlyArray<Turn> {
  const [turns, setTurns] = React.useState(model.turns);
  React.useEffect(() => {
    let frame: number | null = null;
    const flush = () => {
      frame = null;
      setTurns(model.turns);
    };
    const onChange = () => {
      if (frame === null) {
        frame = requestAnimationFrame(flush);
      }
    };
    // The first streamed token shows in the next frame; an added turn at once.
    const onAdded = () => {
      if (frame !== null) {
        cancelAnimationFrame(frame);
      }
      flush();
    };
    setTurns(model.turns);
    model.turnChanged.connect(onChange);
    model.turnRemoved.connect(onAdded);
    model.turnAdded.connect(onAdded);
    return () => {
      if (frame !== null) {
        cancelAnimationFrame(frame);
      }
      model.turnChanged.disconnect(onChange);
      model.turnRemoved.disconnect(onAdded);
      model.turnAdded.disconnect(onAdded);
    };
  }, [model]);
  return turns;
}

