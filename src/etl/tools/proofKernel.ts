import {
  KernelManager,
  ServerConnection,
  SessionManager
} from '@jupyterlab/services';
import type { Kernel, KernelMessage, Session } from '@jupyterlab/services';
import {
  ExecuteReply,
  KernelChannel,
  KernelUnavailable
} from '../../kernelChannel';
import type { IProofExecution, IProofKernel, IProofKernelHost } from './proof';

/**
 * Fresh kernels for proof runs, started from the page through the
 * server's own sessions API (authenticated, XSRF, the user's kernelspecs):
 * one new session per run, named so it is recognisable in the Running
 * panel, with a path in the notebook's folder (the kernel's working
 * directory, as papermill gives it) that is never written.
 */
export class SessionProofHost implements IProofKernelHost {
  constructor(private readonly serverSettings: ServerConnection.ISettings) {}

  async start(
    kernelName: string,
    folder: string,
    signal: AbortSignal
  ): Promise<IProofKernel> {
    const kernels = new KernelManager({ serverSettings: this.serverSettings });
    const sessions = new SessionManager({
      kernelManager: kernels,
      serverSettings: this.serverSettings
    });
    const id = Math.random().toString(36).slice(2, 10);
    const name = `etl-proof-${id}.ipynb`;
    const path = folder ? `${folder}/${name}` : name;
    const dispose = () => {
      sessions.dispose();
      kernels.dispose();
    };
    let session: Session.ISessionConnection;
    try {
      session = await sessions.startNew({
        path,
        name: `ETL proof run ${id}`,
        type: 'notebook',
        kernel: { name: kernelName }
      });
    } catch (error) {
      dispose();
      throw error;
    }
    if (signal.aborted) {
      await session.shutdown().catch(() => undefined);
      dispose();
      throw new Error('cancelled');
    }
    return new ProofKernel(session, dispose);
  }
}

class ProofKernel implements IProofKernel {
  constructor(
    private readonly session: Session.ISessionConnection,
    private readonly dispose: () => void
  ) {}

  /** The session's kernel: a fresh one that runs only the proof's cells. */
  private get channel(): KernelChannel {
    return new KernelChannel(this.session.kernel as Kernel.IKernelConnection);
  }

  async execute(
    code: string,
    signal: AbortSignal,
    timeoutMs: number
  ): Promise<IProofExecution> {
    const outputs: IProofExecution['outputs'] = [];
    let error: IProofExecution['error'];
    const onIOPub = (msg: KernelMessage.IIOPubMessage) => {
      const type = msg.header.msg_type;
      const content = msg.content as any;
      if (type === 'stream') {
        outputs.push({
          output_type: 'stream',
          name: content.name,
          text: content.text
        });
      } else if (type === 'display_data' || type === 'execute_result') {
        outputs.push({
          output_type: type,
          data: content.data,
          metadata: content.metadata ?? {}
        });
      } else if (type === 'error') {
        error = {
          ename: content.ename,
          evalue: content.evalue,
          traceback: content.traceback ?? []
        };
        outputs.push({ output_type: 'error', ...error });
      }
    };
    let reply: ExecuteReply;
    try {
      reply = await this.channel.execute(code, {
        mode: 'cell',
        signal,
        timeoutMs,
        onIOPub
      });
    } catch (stopped) {
      if (!(stopped instanceof KernelUnavailable)) {
        throw stopped;
      }
      const timeout = stopped.reason === 'busy';
      return {
        status: 'aborted',
        outputs,
        error: {
          ename: timeout ? 'Timeout' : 'Cancelled',
          evalue: timeout
            ? `no reply within ${Math.round(timeoutMs / 1000)} s`
            : 'stopped by the user',
          traceback: []
        }
      };
    }
    const status =
      reply.status === 'ok'
        ? 'ok'
        : reply.status === 'error'
          ? 'error'
          : 'aborted';
    if (status === 'error' && !error) {
      const content = reply as any;
      error = {
        ename: content.ename,
        evalue: content.evalue,
        traceback: content.traceback ?? []
      };
    }
    return { status, outputs, error };
  }

  async shutdown(): Promise<void> {
    try {
      await this.session.shutdown();
    } finally {
      this.dispose();
    }
  }
}
