import { describe, expect, it } from 'vitest';
import { CatalogIndex } from '../catalog/catalog';
import type { Node } from 'web-tree-sitter';
import { nodeParser } from '../../node/wasmFiles';
import { blankNonCode, maskKernelMacros, type MaskResult } from './macroMask';

const catalog = new CatalogIndex();

/** What a mask recorded, a line each: kind, name, arguments. */
const recorded = (r: MaskResult) =>
  r.masked.map((m) => `${m.kind} ${m.name} [${m.args.join('|')}]`);

/** The source of `srcLines`, its mask, and the masked text's lines. */
function maskLines(srcLines: string[]) {
  const src = srcLines.join('\n');
  const r = maskKernelMacros(src, catalog);
  return { src, r, lines: r.text.split('\n') };
}

/** `read` of tree-sitter's root node for `text`; the tree is freed after. */
async function parsed<T>(text: string, read: (root: Node) => T): Promise<T> {
  const tree = (await nodeParser()).parse(text);
  try {
    return read(tree.rootNode);
  } finally {
    tree.delete();
  }
}

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
    expect(recorded(r)).toEqual([
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

describe('maskKernelMacros: macros real kernels write that C cannot parse', () => {
  const { src, r, lines } = maskLines([
    'static struct rhltable table ____cacheline_aligned_in_smp;',
    'int f(unsigned int, char *);',
    'static void g(struct foo *p)',
    '{',
    '\tFOREACH_ACL_ENTRY(pa, acl, pe) {',
    '\t\tn = min_t(unsigned int, n, sizeof(unsigned long));',
    '\t\tFE(x) {',
    '\t\t\tq = max_t(const char *, a, b);',
    '\t\t}',
    '\t}',
    '\tif (n) {',
    '\t\tpages = kzalloc_objs(struct page *, n, GFP_KERNEL);',
    '\t\tp = kmalloc_obj(struct foo);',
    '\t\tn = sizeof(struct foo);',
    '\t\trc = max_t(enum compact_result, a, rc);',
    '\t}',
    '\treturn (struct foo){ 0 };',
    '}',
    'module_init(g)',
  ]);

  it('keeps every offset', () => {
    expect(r.text.length).toBe(src.length);
    expect(lines.length).toBe(src.split('\n').length);
  });

  it('turns a block macro of any name into a loop, leaves C and definitions alone', () => {
    expect(lines[4]).toBe('\twhile            (pa, acl, pe) {');
    expect(lines[6]).toBe('\t\tif(x) {');
    expect(lines[2]).toBe(src.split('\n')[2]);
    expect(lines[10]).toBe('\tif (n) {');
    expect(lines[16]).toBe('\treturn (struct foo){ 0 };');
  });

  it('makes type arguments one identifier of the same length, in functions only', () => {
    expect(lines[5]).toBe('\t\tn = min_t(UNSIGNED_INT, n, sizeof(unsigned long));');
    expect(lines[7]).toBe('\t\t\tq = max_t(CONST_CHAR  , a, b);');
    expect(lines[1]).toBe('int f(unsigned int, char *);');
    expect(lines[11]).toBe('\t\tpages = kzalloc_objs(       page  , n, GFP_KERNEL);');
    expect(lines[12]).toBe('\t\tp = kmalloc_obj(       foo);');
    expect(lines[13]).toBe('\t\tn = sizeof(struct foo);');
    expect(lines[14]).toBe('\t\trc = max_t(     compact_result, a, rc);');
  });

  it('masks attributes and an initcall written without a semicolon', () => {
    expect(lines[0]).toBe('static struct rhltable table                             ;');
    expect(lines[18].trim()).toBe('');
  });

  it('leaves text tree-sitter parses without an error, where the source has errors', async () => {
    const errors = (text: string) =>
      parsed(text, (root) => root.descendantsOfType('ERROR').length + (root.hasError ? 1 : 0));
    expect(await errors(r.text)).toBe(0);
    expect(await errors(src)).toBeGreaterThan(0);
  });

  it('records each, in order of the text', () => {
    expect(recorded(r)).toEqual([
      'attribute ____cacheline_aligned_in_smp []',
      'iterator FOREACH_ACL_ENTRY [pa|acl|pe]',
      'type-arg min_t [unsigned int]',
      'iterator FE [x]',
      'type-arg max_t [const char]',
      'struct-arg page []',
      'struct-arg foo []',
      'struct-arg compact_result []',
      'decl-macro module_init [g]',
    ]);
  });
});

describe('maskKernelMacros: functions defined by a macro', () => {
  const { src, r, lines } = maskLines([
    'SYSCALL_DEFINE3(read, unsigned int, fd, char __user *, buf, size_t, count)',
    '{',
    '\treturn ksys_read(fd, buf, count);',
    '}',
    'BPF_CALL_2(bpf_get, struct sock *, sk, int, flags) { return 0; }',
    'SYSCALL_DEFINE2(bad, int, fd)',
    '{',
    '}',
    'COMPAT_SYSCALL_DEFINE1(exit, int, code) { }',
  ]);

  it("writes the header C would, with the kernel's names: long sys_name(type param, ...)", () => {
    expect(lines[0]).toBe(
      'long        sys_read( unsigned int  fd, char        *  buf, size_t  count)',
    );
    expect(lines[8]).toBe('long        compat_sys_exit( int  code) { }');
    expect(lines[4]).toBe('long       bpf_get( struct sock *  sk, int  flags) { return 0; }');
    expect(r.text.length).toBe(src.length);
  });

  it('leaves a macro whose pairs do not match its count alone', () => {
    expect(lines[5]).toBe('SYSCALL_DEFINE2(bad, int, fd)');
  });

  it('records the definitions, and the attributes inside them', () => {
    expect(recorded(r)).toEqual([
      'definition-macro SYSCALL_DEFINE3 [read|unsigned int|fd|char __user *|buf|size_t|count]',
      'attribute __user []',
      'definition-macro BPF_CALL_2 [bpf_get|struct sock *|sk|int|flags]',
      'definition-macro COMPAT_SYSCALL_DEFINE1 [exit|int|code]',
    ]);
  });

  it('gives tree-sitter function definitions named as the kernel names them', async () => {
    const header = (root: Node) => ({
      names: root
        .descendantsOfType('function_definition')
        .map((d) => d?.childForFieldName('declarator')?.childForFieldName('declarator')?.text),
      hasError: root.hasError,
    });
    const text = [...r.text.split('\n').slice(0, 5), r.text.split('\n')[8]].join('\n');
    expect(await parsed(text, header)).toEqual({
      names: ['sys_read', 'bpf_get', 'compat_sys_exit'],
      hasError: false,
    });
  });
});
