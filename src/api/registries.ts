import { DisposableDelegate, IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';
import type {
  IPersonaSources,
  IResultView,
  IResultViews,
  IToolCall,
  IToolFamily,
  IToolRegistry
} from '../tokens';

/** The tool families (provided as `IToolRegistry` from start-up; the chat reads it when built). */
export class ToolFamilies implements IToolRegistry {
  get families(): ReadonlyArray<IToolFamily> {
    return this._families;
  }

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  addFamily(family: IToolFamily): IDisposable {
    if (this._families.some(f => f.id === family.id)) {
      throw new Error(`A tool family "${family.id}" is registered already`);
    }
    this._families.push(family);
    this._changed.emit();
    return new DisposableDelegate(() => {
      this._families = this._families.filter(f => f !== family);
      this._changed.emit();
    });
  }

  private _families: IToolFamily[] = [];
  private _changed = new Signal<this, void>(this);
}

/** The result views of tool cards (`IResultViews`). */
export class ResultViews implements IResultViews {
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  add(view: IResultView): IDisposable {
    this._views.push(view);
    this._views.sort((a, b) => (a.rank ?? 100) - (b.rank ?? 100));
    this._changed.emit();
    return new DisposableDelegate(() => {
      this._views = this._views.filter(v => v !== view);
      this._changed.emit();
    });
  }

  viewsFor(call: IToolCall): IResultView[] {
    return this._views.filter(view => {
      try {
        return view.matches(call);
      } catch {
        return false;
      }
    });
  }

  private _views: IResultView[] = [];
  private _changed = new Signal<this, void>(this);
}

/** Persona folders added by extensions (`IPersonaSources`). */
export class PersonaSources implements IPersonaSources {
  get folders(): ReadonlyArray<string> {
    return this._folders;
  }

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  addFolder(path: string): IDisposable {
    const folder = path.replace(/^\/+|\/+$/g, '');
    this._folders.push(folder);
    this._changed.emit();
    return new DisposableDelegate(() => {
      const at = this._folders.indexOf(folder);
      if (at >= 0) {
        this._folders.splice(at, 1);
      }
      this._changed.emit();
    });
  }

  private _folders: string[] = [];
  private _changed = new Signal<this, void>(this);
}
