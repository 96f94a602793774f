import { describe, expect, it } from 'vitest';
import { CatalogIndex } from '../catalog/catalog';
import { blankNonCode, maskKernelMacros } from './macroMask';

const catalog = new CatalogIndex();

describe('maskKernelMacros', () => {
  const src = [
    'static DECLARE_DELAYED_WORK(laundrette, gc_worker);',
    'static struct foo __rcu *table __read_mostly;',
    'void f(struct list_head *head)',
    '\t__must_hold(&lock)',
    '{',
    '\t/* list_for_each_entry(x) in a comment */',
    '\tlist_for_each_entry_safe(nf, tmp, head, nf_lru) {',
    '\t\tnf = container_of(p, struct nfsd_file, nf_lru);',
    '\t}',
    '\tlist_for_each_entry(x, y, z);',
    '}',
    'EXPORT_SYMBOL_GPL(f);',
  ].join('\n');
  const r = maskKernelMacros(src, catalog);

  it('keeps length and every newline, so offsets, lines and columns stay true', () => {
    expect(r.text.length).toBe(src.length);
    expect([...r.text].map((c, i) => (c === '\n') === (src[i] === '\n')).every(Boolean)).toBe(true);
  });

  it('records what it masked, in order', () => {
    expect(r.masked.map((m) => `${m.kind} ${m.name} [${m.args.join('|')}]`)).toEqual([
      'decl-macro DECLARE_DELAYED_WORK [laundrette|gc_worker]',
      'attribute __rcu []',
      'attribute __read_mostly []',
      'lock-annotation __must_hold [&lock]',
      'iterator list_for_each_entry_safe [nf|tmp|head|nf_lru]',
      'struct-arg nfsd_file []',
      'decl-macro EXPORT_SYMBOL_GPL [f]',
    ]);
  });

  it('turns a statement iterator into while, leaves comments and call-like uses alone', () => {
    const lines = r.text.split('\n');
    expect(lines[6]).toBe('\twhile                   (nf, tmp, head, nf_lru) {');
    expect(lines[5]).toBe(src.split('\n')[5]);
    expect(lines[9]).toBe('\tlist_for_each_entry(x, y, z);');
    expect(lines[7]).toBe('\t\tnf = container_of(p,        nfsd_file, nf_lru);');
    expect(lines[0].trim()).toBe('');
  });
});

describe('blankNonCode', () => {
  it('blanks comments, strings and preprocessor lines, keeping length', () => {
    const src = '#define X(a) \\\n  a\nint s = "}{"; // }\nchar c = \'{\'; /* { */';
    const out = blankNonCode(src);
    expect(out.length).toBe(src.length);
    expect(out.replace(/\s+/g, ' ').trim()).toBe('int s = " "; char c = \' \';');
  });
});

describe('blankNonCode edge cases', () => {
  it('treats a # as a directive only first on a line the scan entered by its newline', () => {
    // The open char literal runs to its line's end and takes the newline: `#endif` stays code.
    expect(blankNonCode("#if 0\n it's\n#endif\nint x;")).toBe("     \n it' \n#endif\nint x;");
    expect(blankNonCode('  #define A 1\nint a; /* x */ #b\n')).toBe(
      '             \nint a;         #b\n',
    );
  });
});

describe('maskKernelMacros identifiers', () => {
  it('masks only whole identifiers, as a left-to-right scan reads them', () => {
    const r = maskKernelMacros(
      'void f(void) { my_list_for_each(a, b) x(); 0x1for_each(c) y(); }',
      catalog,
    );
    expect(r.masked.map((m) => `${m.name}@${m.start}`)).toEqual(['my_list_for_each@15']);
  });
});
