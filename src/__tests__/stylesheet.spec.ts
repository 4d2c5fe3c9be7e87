import * as fs from 'fs';
import * as path from 'path';

/**
 * The stylesheet uses JupyterLab's theme variables only: no colour literal
 * (hex, rgb(), hsl(), a named colour) except as the fallback of a `var()`,
 * and every custom property it reads is a `--jp-*` one. That is what makes
 * the dark and high-contrast themes apply to the whole panel.
 */

const STYLE = path.resolve(__dirname, '..', '..', 'style');

const NAMED = [
  'white', 'black', 'red', 'green', 'blue', 'gray', 'grey', 'yellow', 'orange', 'purple', 'pink',
  'brown', 'silver', 'navy', 'teal', 'maroon', 'olive', 'lime', 'aqua', 'fuchsia', 'gold',
  'whitesmoke', 'gainsboro', 'lightgray', 'lightgrey', 'darkgray', 'darkgrey', 'ivory', 'beige'
];
const COLOUR_PROPERTIES = /^(color|background(-color)?|border(-(top|right|bottom|left))?(-color)?|outline(-color)?|fill|stroke|box-shadow|text-shadow|caret-color|text-decoration(-color)?|column-rule(-color)?|accent-color)$/;

/** The CSS with comments removed and every `var()` fallback blanked out. */
function withoutFallbacks(css: string): string {
  const text = css.replace(/\/\*[\s\S]*?\*\//g, '');
  let out = '';
  let i = 0;
  while (i < text.length) {
    const at = text.indexOf('var(', i);
    if (at < 0) {
      out += text.slice(i);
      break;
    }
    out += text.slice(i, at + 4);
    let depth = 1;
    let j = at + 4;
    let comma = -1;
    for (; j < text.length && depth > 0; j++) {
      if (text[j] === '(') {
        depth++;
      } else if (text[j] === ')') {
        depth--;
      } else if (text[j] === ',' && depth === 1 && comma < 0) {
        comma = j;
      }
    }
    out += text.slice(at + 4, comma < 0 ? j : comma) + ')';
    i = j;
  }
  return out;
}

/** Colour literals outside `var()` fallbacks, as `file:line text`. */
function hardCodedColours(css: string, file = 'css'): string[] {
  const found: string[] = [];
  const lines = withoutFallbacks(css).split('\n');
  lines.forEach((line, index) => {
    // Declarations only (a selector such as `#jp-right-stack` is not a colour).
    const body = line.includes('{') ? line.slice(line.lastIndexOf('{') + 1) : line;
    for (const part of body.split(/[;}]/)) {
      const declaration = /^\s*([a-z-]+)\s*:\s*(.*)$/i.exec(part);
      if (!declaration) {
        continue;
      }
      const [property, value] = [declaration[1].toLowerCase(), declaration[2].toLowerCase()];
      const literal =
        /#[0-9a-f]{3,8}\b/.test(value) ||
        /\b(rgba?|hsla?|hwb|lab|lch|oklab|oklch|color)\(/.test(value) ||
        (COLOUR_PROPERTIES.test(property) && (value.match(/[a-z]+/g) ?? []).some(word => NAMED.includes(word)));
      if (literal) {
        found.push(`${file}:${index + 1} ${line.trim()}`);
        break;
      }
    }
  });
  return found;
}

/** Custom properties read with `var()` that are not JupyterLab's `--jp-*`. */
function foreignVariables(css: string): string[] {
  const names = css.replace(/\/\*[\s\S]*?\*\//g, '').match(/var\(\s*--[\w-]+/g) ?? [];
  return names.map(name => name.replace(/var\(\s*/, '')).filter(name => !name.startsWith('--jp-'));
}

const sheets = fs.readdirSync(STYLE).filter(name => name.endsWith('.css'));

describe('the stylesheet', () => {
  it('has style sheets to check', () => {
    expect(sheets).toEqual(expect.arrayContaining(['base.css', 'index.css']));
  });

  it.each(sheets)('%s has no hard-coded colour and reads only --jp-* variables', name => {
    const css = fs.readFileSync(path.join(STYLE, name), 'utf-8');
    expect(hardCodedColours(css, name)).toEqual([]);
    expect(foreignVariables(css)).toEqual([]);
  });

  it('the check finds hard-coded colours and allows them only as var() fallbacks', () => {
    const css = [
      '.a { color: #fff; }',
      '.b {',
      '  background: rgba(0, 0, 0, 0.5);',
      '  border: 1px solid white;',
      '  color: var(--jp-ui-font-color1, #212121);',
      '  background: var(--jp-layout-color2, var(--jp-layout-color1, rgb(255, 255, 255)));',
      '  white-space: nowrap;',
      '  box-shadow: 0 0 2px hsl(0 0% 0%);',
      '}',
      '/* #123456 in a comment */',
      '#jp-right-stack .c { color: var(--my-colour); }'
    ].join('\n');
    expect(hardCodedColours(css, 't.css')).toEqual([
      't.css:1 .a { color: #fff; }',
      't.css:3 background: rgba(0, 0, 0, 0.5);',
      't.css:4 border: 1px solid white;',
      't.css:8 box-shadow: 0 0 2px hsl(0 0% 0%);'
    ]);
    expect(foreignVariables(css)).toEqual(['--my-colour']);
  });
});
