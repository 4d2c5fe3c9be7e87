// The form's styles load with the form (not at JupyterLab's start-up).
import '../../style/etl.css';
import { Dialog } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';
import {
  ENGINES,
  EtlEngine,
  LOAD_MODES,
  LoadMode,
  TARGET_KINDS,
  TargetKind
} from './types';

/** What the "New ETL notebook" form asks. */
export interface IEtlChoices {
  /** Server paths of the source files, one per line in the form. */
  sources: string[];
  engine: EtlEngine;
  mode: LoadMode;
  targetKind: TargetKind;
  /** Parquet folder or DuckDB file (relative to the notebook). */
  targetPath: string;
  targetTable: string;
  targetUrlEnv: string;
  keyColumns: string[];
  partitionColumn: string;
  runDate: string;
  businessRules: string;
}

/** The form's body: plain labelled inputs (JupyterLab styles), read back by `getValue`. */
class EtlForm extends Widget implements Dialog.IBodyWidget<IEtlChoices> {
  constructor(initial: IEtlChoices, trans: TranslationBundle) {
    super();
    this.addClass('jp-DataEngineer-etlForm');
    const field = (label: string, input: HTMLElement, name: string) => {
      const row = document.createElement('label');
      row.className = 'jp-DataEngineer-etlField';
      row.dataset.field = name;
      const span = document.createElement('span');
      span.textContent = label;
      row.append(span, input);
      this.node.appendChild(row);
      return input;
    };
    const text = (value: string, name: string, placeholder = '') => {
      const input = document.createElement('input');
      input.className = 'jp-mod-styled';
      input.name = name;
      input.value = value;
      input.placeholder = placeholder;
      return input;
    };
    const select = (
      options: readonly string[],
      labels: Record<string, string>,
      value: string,
      name: string
    ) => {
      const el = document.createElement('select');
      el.className = 'jp-mod-styled';
      el.name = name;
      for (const option of options) {
        const o = document.createElement('option');
        o.value = option;
        o.textContent = labels[option] ?? option;
        el.appendChild(o);
      }
      el.value = value;
      return el;
    };
    const area = (
      value: string,
      name: string,
      rows: number,
      placeholder = ''
    ) => {
      const el = document.createElement('textarea');
      el.className = 'jp-mod-styled';
      el.name = name;
      el.rows = rows;
      el.value = value;
      el.placeholder = placeholder;
      return el;
    };
    this._sources = field(
      trans.__('Sources (one path per line)'),
      area(initial.sources.join('\n'), 'sources', 3),
      'sources'
    ) as HTMLTextAreaElement;
    this._targetKind = field(
      trans.__('Target'),
      select(
        TARGET_KINDS,
        {
          parquet: trans.__('Parquet folder'),
          duckdb: trans.__('DuckDB file table'),
          postgres: trans.__('PostgreSQL table')
        },
        initial.targetKind,
        'targetKind'
      ),
      'targetKind'
    ) as HTMLSelectElement;
    this._targetPath = field(
      trans.__('Folder or DuckDB file'),
      text(initial.targetPath, 'targetPath', 'output/orders'),
      'targetPath'
    ) as HTMLInputElement;
    this._targetTable = field(
      trans.__('Table'),
      text(initial.targetTable, 'targetTable', 'orders'),
      'targetTable'
    ) as HTMLInputElement;
    this._targetUrlEnv = field(
      trans.__('Environment variable with the PostgreSQL URL'),
      text(initial.targetUrlEnv, 'targetUrlEnv', 'ETL_TARGET_URL'),
      'targetUrlEnv'
    ) as HTMLInputElement;
    this._mode = field(
      trans.__('Load mode'),
      select(
        LOAD_MODES,
        {
          full_refresh: trans.__('Full refresh'),
          overwrite_partition: trans.__("Overwrite the run date's partition"),
          merge: trans.__('Merge / upsert on the key')
        },
        initial.mode,
        'mode'
      ),
      'mode'
    ) as HTMLSelectElement;
    this._keys = field(
      trans.__('Key column(s), comma-separated'),
      text(initial.keyColumns.join(', '), 'keyColumns'),
      'keyColumns'
    ) as HTMLInputElement;
    this._partition = field(
      trans.__('Partition column (a date)'),
      text(initial.partitionColumn, 'partitionColumn'),
      'partitionColumn'
    ) as HTMLInputElement;
    this._engine = field(
      trans.__('Engine'),
      select(
        ENGINES,
        { duckdb: 'DuckDB', spark: 'Spark' },
        initial.engine,
        'engine'
      ),
      'engine'
    ) as HTMLSelectElement;
    this._runDate = field(
      trans.__('Run date (default of the parameter)'),
      text(initial.runDate, 'runDate', 'YYYY-MM-DD'),
      'runDate'
    ) as HTMLInputElement;
    this._rules = field(
      trans.__('Business rules'),
      area(
        initial.businessRules,
        'businessRules',
        3,
        trans.__('e.g. net revenue = amount - discount, completed orders only')
      ),
      'businessRules'
    ) as HTMLTextAreaElement;
    const sync = () => {
      const kind = this._targetKind.value;
      this._targetPath.parentElement!.hidden = kind === 'postgres';
      this._targetTable.parentElement!.hidden = kind === 'parquet';
      this._targetUrlEnv.parentElement!.hidden = kind !== 'postgres';
      this._partition.parentElement!.hidden =
        this._mode.value !== 'overwrite_partition';
    };
    this._targetKind.addEventListener('change', sync);
    this._mode.addEventListener('change', sync);
    sync();
  }

  getValue(): IEtlChoices {
    const list = (s: string) =>
      s
        .split(',')
        .map(x => x.trim())
        .filter(Boolean);
    return {
      sources: this._sources.value
        .split('\n')
        .map(x => x.trim())
        .filter(Boolean),
      engine: this._engine.value as EtlEngine,
      mode: this._mode.value as LoadMode,
      targetKind: this._targetKind.value as TargetKind,
      targetPath: this._targetPath.value.trim(),
      targetTable: this._targetTable.value.trim(),
      targetUrlEnv: this._targetUrlEnv.value.trim(),
      keyColumns: list(this._keys.value),
      partitionColumn: this._partition.value.trim(),
      runDate: this._runDate.value.trim(),
      businessRules: this._rules.value
    };
  }

  private _sources: HTMLTextAreaElement;
  private _targetKind: HTMLSelectElement;
  private _targetPath: HTMLInputElement;
  private _targetTable: HTMLInputElement;
  private _targetUrlEnv: HTMLInputElement;
  private _mode: HTMLSelectElement;
  private _keys: HTMLInputElement;
  private _partition: HTMLInputElement;
  private _engine: HTMLSelectElement;
  private _runDate: HTMLInputElement;
  private _rules: HTMLTextAreaElement;
}

/** Ask for the ETL notebook's choices; null when cancelled. */
export async function askEtlChoices(
  initial: IEtlChoices,
  trans: TranslationBundle,
  problems: string[] = []
): Promise<IEtlChoices | null> {
  const body = new EtlForm(initial, trans);
  if (problems.length) {
    const note = document.createElement('div');
    note.className = 'jp-DataEngineer-etlProblems';
    note.textContent = problems.join(' ');
    body.node.prepend(note);
  }
  const result = await new Dialog({
    title: trans.__('New ETL notebook'),
    body,
    buttons: [
      Dialog.cancelButton({ label: trans.__('Cancel') }),
      Dialog.okButton({ label: trans.__('Create') })
    ],
    focusNodeSelector: 'textarea'
  }).launch();
  return result.button.accept ? result.value : null;
}
