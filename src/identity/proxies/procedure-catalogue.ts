// The procedure catalogue as the mandate pages see it. The procedures module owns the catalogue
// and depends on identity, so identity cannot import it: the procedures module provides this
// interface at boot (provideProcedureCatalogue, in exports.ts), as modules provide hooks elsewhere.
import type { Localized } from '../../platform/errors.ts';
import type { AppContext } from '../../platform/module.ts';

/** A catalogue procedure: the local government that runs it and its code there. */
export interface ProcedureRef {
  lgCode: string;
  code: string;
}

export interface MandatableProcedure extends ProcedureRef {
  title: Localized;
}

export interface ProcedureCatalogue {
  /** The procedures a proxy can apply for online in this municipality (its own and its prefecture's), in catalogue order. */
  choicesFor(lgCode: string): Promise<MandatableProcedure[]>;
  /** These procedures with their names, in the order given; ones no longer in the catalogue are left out. */
  named(refs: ProcedureRef[]): Promise<MandatableProcedure[]>;
}

const catalogues = new WeakMap<AppContext, ProcedureCatalogue>();

export function provideProcedureCatalogue(app: AppContext, catalogue: ProcedureCatalogue): void {
  catalogues.set(app, catalogue);
}

/** The catalogue, looked up at each call (the procedures module boots after identity); empty without one. */
export function procedureCatalogueOf(app: AppContext): ProcedureCatalogue {
  return {
    choicesFor: async (lgCode) => (await catalogues.get(app)?.choicesFor(lgCode)) ?? [],
    named: async (refs) => (await catalogues.get(app)?.named(refs)) ?? [],
  };
}

export const refKey = (ref: ProcedureRef) => `${ref.lgCode}/${ref.code}`;

/** `<lgCode>/<code>` as typed in a form, or undefined when it is not one. */
export function parseRef(raw: string): ProcedureRef | undefined {
  const m = /^([0-9]{6})\/([a-z][a-z0-9-]{1,60})$/.exec(raw);
  return m ? { lgCode: m[1]!, code: m[2]! } : undefined;
}
