// The declarations of one file that the type environment needs: struct and union
// fields, typedefs, globals and function prototypes. Reads the syntax tree through
// the per-type node index (no whole-file walk).
import type { FileTypeFacts } from '../facts/factTypes';
import { nameRecord } from '../facts/nameRecord';
import type { SyntaxNode as Node } from '../parse/syntaxTree';
import { baseType, declared } from './declaredType';

/** Nodes that can hold file-scope declarations (headers wrap everything in #ifndef). */
const FILE_SCOPE = new Set([
  'translation_unit',
  'preproc_if',
  'preproc_ifdef',
  'preproc_else',
  'preproc_elif',
  'preproc_elifdef',
  'linkage_specification',
  'declaration_list',
]);

export function collectTypes(root: Node, file: string): FileTypeFacts {
  const anonymousName = (s: Node | null) => unnamed(s, file);
  const out: FileTypeFacts = {
    structs: nameRecord(),
    typedefs: nameRecord(),
    globals: nameRecord(),
    returns: nameRecord(),
  };
  for (const kind of ['struct_specifier', 'union_specifier'])
    for (const s of root.descendantsOfType(kind)) {
      const body = s.childForFieldName('body');
      if (!body) continue;
      const base = baseType(s, anonymousName(s));
      if (base) out.structs[base] = fieldsOf(body, anonymousName);
    }
  for (const t of root.descendantsOfType('type_definition')) {
    const typeNode = t.childForFieldName('type');
    const decls = t.childrenForFieldName('declarator');
    const base = baseType(typeNode, anonymousName(typeNode));
    if (!base) continue;
    for (const d of decls) {
      const v = declared(base, d);
      if (v && !v.isFunction) out.typedefs[v.name] = v.type;
    }
  }
  const scope = (n: Node) => {
    for (const c of n.namedChildren) {
      if (FILE_SCOPE.has(c.type)) scope(c);
      else if (c.type === 'declaration') {
        const base = baseType(
          c.childForFieldName('type'),
          anonymousName(c.childForFieldName('type')),
        );
        if (!base) continue;
        for (const d of c.childrenForFieldName('declarator')) {
          const v = declared(base, d);
          if (v) (v.isFunction ? out.returns : out.globals)[v.name] = v.type;
        }
      }
    }
  };
  scope(root);
  return out;
}

/**
 * The name an unnamed struct or union gets: the typedef it defines
 * (`typedef struct { ... } foo_t`), else its position.
 */
export function unnamed(s: Node | null, file: string): string | undefined {
  if (!s || (s.type !== 'struct_specifier' && s.type !== 'union_specifier')) return undefined;
  if (s.childForFieldName('name')) return undefined;
  const p = s.parent;
  if (p?.type === 'type_definition') {
    const d = p.childForFieldName('declarator');
    const v = d ? declared('', d) : undefined;
    if (v) return v.name;
  }
  return `<anonymous ${file}:${s.startIndex}>`;
}

function fieldsOf(
  body: Node,
  anonymousName: (s: Node | null) => string | undefined,
): Record<string, string> {
  const fields = nameRecord<string>();
  for (const f of body.namedChildren) {
    if (f.type !== 'field_declaration') continue;
    const typeNode = f.childForFieldName('type');
    const decls = f.childrenForFieldName('declarator');
    const inner = typeNode?.childForFieldName('body');
    // An anonymous struct/union member: its fields are the parent's.
    if (!decls.length && inner && !typeNode?.childForFieldName('name')) {
      Object.assign(fields, fieldsOf(inner, anonymousName));
      continue;
    }
    const base = baseType(typeNode, anonymousName(typeNode));
    if (!base) continue;
    for (const d of decls) {
      const v = declared(base, d);
      if (v) fields[v.name] = v.isFunction ? 'fn*' : v.type;
    }
  }
  return fields;
}
