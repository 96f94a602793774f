// The direct paths into web-tree-sitter (pre-encoded input, raw cursor) must
// give exactly what its public API gives.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Parser } from 'web-tree-sitter';
import { nodeParser } from '../../node/wasmFiles';
import { FIXTURES } from '../analysis/testSupport.testutil';
import type { CParser } from './cParser';
import { copyTree, type SyntaxNode } from './syntaxTree';

function publicParser(p: CParser): Parser {
  return (p as unknown as { parser: Parser }).parser;
}

/** Every property the extractors read, over the whole copied tree. */
function shape(n: SyntaxNode): string {
  const field = n.fieldName ? `${n.fieldName}:` : '';
  const flags = `${n.isNamed ? '' : '~'}${n.hasError ? '!' : ''}`;
  const kids = n.children.map(shape).join(' ');
  return `(${field}${n.type}${flags} ${n.id}-${n.lastId} ${n.startIndex}-${n.endIndex}${kids ? ' ' + kids : ''})`;
}

const SOURCES = ['parsing', 'primitives'].flatMap((d) =>
  fs
    .readdirSync(path.join(FIXTURES, d))
    .filter((f) => f.endsWith('.c'))
    .map((f) => path.join(d, f)),
);

// Several input chunks (the runtime's buffer holds 5119 UTF-16 units), and
// text outside the BMP before code, so offsets count UTF-16 units.
const LONG =
  '/* caf\u00e9 \u{1F600} */\n' +
  Array.from({ length: 400 }, (_, i) => `static int f${i}(int a) { return a + ${i}; }\n`).join('');

describe('direct web-tree-sitter access', () => {
  it('is available with the bundled runtime', async () => {
    const parser = await nodeParser();
    expect(parser.wasm?.encodesInput).toBe(true);
  });

  it('copies a small function exactly', async () => {
    const parser = await nodeParser();
    const text = 'int f(int a) { return a + 1; }';
    const tree = parser.parse(text);
    const root = copyTree(tree, text, parser.wasm);
    tree.delete();
    expect(shape(root)).toBe(
      '(translation_unit 0-14 0-30 (function_definition 1-14 0-30 (type:primitive_type 2-2 0-3) ' +
        '(declarator:function_declarator 3-8 4-12 (declarator:identifier 4-4 4-5) ' +
        '(parameters:parameter_list 5-8 5-12 (parameter_declaration 6-8 6-11 ' +
        '(type:primitive_type 7-7 6-9) (declarator:identifier 8-8 10-11)))) ' +
        '(body:compound_statement 9-14 13-30 (return_statement 10-14 15-28 ' +
        '(binary_expression 11-14 22-27 (left:identifier 12-12 22-23) ' +
        '(operator:+~ 13-13 24-25) (right:number_literal 14-14 26-27))))))',
    );
  });

  it('reads trees straight out of memory, errors and aliases included', async () => {
    const parser = await nodeParser();
    // ERROR nodes, a MISSING token, aliased symbols (field_identifier,
    // type_identifier, statement_identifier) and fields through hidden rules.
    const text =
      'typedef struct s { int a; } s_t;\nint f(s_t *p) { p->a = 1; goto out; out: return p->a +; }\n' +
      'int g( { x = ; }\nstatic int h(void) { return (int)sizeof(struct s) }\n';
    const tree = parser.parse(text);
    let read = false;
    const wasm = parser.wasm;
    if (!wasm) throw new Error('no direct access');
    const spy = {
      ...wasm,
      readTree: (...a: Parameters<typeof wasm.readTree>) => (read = wasm.readTree(...a)),
    };
    const viaMemory = shape(copyTree(tree, text, spy, 'memory'));
    const viaCursor = shape(copyTree(tree, text, wasm, 'cursor'));
    const viaPublic = shape(copyTree(tree, text));
    tree.delete();
    expect(read).toBe(true);
    expect(viaMemory).toBe(viaCursor);
    expect(viaMemory).toBe(viaPublic);
    expect(viaMemory).toContain('ERROR!');
    expect(viaMemory).toContain('field:field_identifier');
  });

  it.each([...SOURCES, 'long text'])(
    'gives the public API trees and copies for %s',
    async (rel) => {
      const parser = await nodeParser();
      const text = rel === 'long text' ? LONG : fs.readFileSync(path.join(FIXTURES, rel), 'utf8');
      const viaPublic = publicParser(parser).parse(text);
      const viaEncoded = parser.parse(text);
      if (!viaPublic) throw new Error('no tree');
      expect(viaEncoded.rootNode.toString()).toBe(viaPublic.rootNode.toString());
      const viaPublicCopy = shape(copyTree(viaPublic, text));
      expect(shape(copyTree(viaEncoded, text, parser.wasm, 'memory'))).toBe(viaPublicCopy);
      expect(shape(copyTree(viaEncoded, text, parser.wasm, 'cursor'))).toBe(viaPublicCopy);
      viaPublic.delete();
      viaEncoded.delete();
    },
  );
});
