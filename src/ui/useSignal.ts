import * as React from 'react';
import type { ISignal } from '@lumino/signaling';

/** Re-render the component whenever one of the signals fires. */
export function useSignals(signals: ISignal<any, any>[]): void {
  const [, setTick] = React.useState(0);
  React.useEffect(() => {
    const handler = () => setTick(tick => tick + 1);
    signals.forEach(signal => signal.connect(handler));
    return () => signals.forEach(signal => signal.disconnect(handler));
  }, signals);
}
