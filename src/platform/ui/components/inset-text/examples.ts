import { h } from 'preact';

export const insetTextExamples = {
  'a note': { children: h('p', null, 'この手続は、お住まいの市町村の窓口でも行えます。') },
};
