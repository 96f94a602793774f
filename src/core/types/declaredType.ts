// Declared types read off declaration syntax: the base type of a declaration and
// what each declarator adds (pointers, arrays, functions).
import type { SyntaxNode as Node } from '../parse/syntaxTree';
import { makeCType } from './cType';

/** Base type of a declaration's `type` node; `anonymous` names an unnamed struct/union. */
export function baseType(typeNode: Node | null, anonymous?: string): string | undefined {
  if (!typeNode) return undefined;
  switch (typeNode.type) {
    case 'struct_specifier':
    case 'union_specifier': {
      const kw = typeNode.type === 'struct_specifier' ? 'struct' : 'union';
      const name = typeNode.childForFieldName('name')?.text ?? anonymous;
      return name ? `${kw} ${name}` : undefined;
    }
    case 'enum_specifier':
      return 'int';
    case 'type_identifier':
    case 'primitive_type':
      return typeNode.text;
    case 'sized_type_specifier':
      return typeNode.text.replace(/\s+/g, ' ');
    default:
      return undefined;
  }
}

export interface Declared {
  name: string;
  type: string;
  /** The declarator declares a function (a prototype or definition), `type` is its return type. */
  isFunction: boolean;
}

/**
 * Name and type one declarator declares over `base`. `T *f(...)` is a function
 * returning `T*`; `T (*f)(...)` is a pointer to a function, typed `fn*`.
 */
export function declared(base: string, declarator: Node | null): Declared | undefined {
  let pointers = 0;
  let n = declarator;
  let fnDepth = -1;
  while (n) {
    switch (n.type) {
      case 'identifier':
      case 'field_identifier':
      case 'type_identifier': {
        if (fnDepth < 0)
          return { name: n.text, type: makeCType(base, pointers), isFunction: false };
        // Pointers counted after the function declarator make it a function pointer.
        if (pointers > fnDepth)
          return { name: n.text, type: makeCType('fn', pointers - fnDepth), isFunction: false };
        return { name: n.text, type: makeCType(base, fnDepth), isFunction: true };
      }
      case 'pointer_declarator':
      case 'array_declarator':
        pointers++;
        n = n.childForFieldName('declarator');
        break;
      case 'function_declarator':
        if (fnDepth < 0) fnDepth = pointers;
        n = n.childForFieldName('declarator');
        break;
      case 'init_declarator':
        n = n.childForFieldName('declarator');
        break;
      default:
        n =
          n.namedChildren.find(
            (c) => c.type !== 'attribute_specifier' && c.type !== 'type_qualifier',
          ) ?? null;
    }
  }
  return undefined;
}
