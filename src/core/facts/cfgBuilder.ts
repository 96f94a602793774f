// Builds a statement-level control-flow graph for one function body, with the
// calls, assignments, escapes and branch tests of each node. Built backwards:
// each statement is given its successor and returns its own entry node.
import type { SyntaxNode as Node } from '../parse/syntaxTree';
import type { CallFact, CfgNode, CondTest, ReturnClass } from './factTypes';
import {
  argFact,
  calleeName,
  callsIn,
  rootAndField,
  spanOf,
  unwrap,
  withoutConversions,
} from './syntax';

interface Targets {
  breakTo?: number;
  continueTo?: number;
}

const TRANSPARENT_CALLS = new Set([
  'likely',
  'unlikely',
  'WARN_ON',
  'WARN_ON_ONCE',
  'WARN',
  'WARN_ONCE',
  'READ_ONCE',
]);

export class CfgBuilder {
  readonly nodes: CfgNode[] = [];
  readonly calls: CallFact[] = [];
  private readonly labels = new Map<string, number>();
  private readonly callIndex = new Map<number, number>();
  readonly exit: number;

  constructor(private readonly file: string) {
    this.exit = this.newNode('exit', 0).id;
  }

  build(body: Node, startLine: number): number {
    for (const l of body.descendantsOfType('labeled_statement')) {
      const name = l?.childForFieldName('label')?.text;
      if (l && name && !this.labels.has(name))
        this.labels.set(name, this.newNode('label', l.startRow + 1).id);
    }
    const first = this.stmt(body, this.exit, {});
    const entry = this.newNode('entry', startLine);
    entry.succ.push(first);
    this.sortCallsBySource();
    return entry.id;
  }

  /**
   * The graph is built backwards, so calls were recorded last statement first.
   * Put them in source order (each node keeps its own evaluation order).
   */
  private sortCallsBySource(): void {
    const calls = this.calls;
    // Old indices in source order (a stable sort: ties keep their recorded order).
    const order: number[] = [];
    for (let i = 0; i < calls.length; i++) order.push(i);
    order.sort(
      (a, b) => calls[a].at.line - calls[b].at.line || calls[a].at.column - calls[b].at.column,
    );
    const newIndex = new Array<number>(calls.length);
    let moved = false;
    for (let n = 0; n < order.length; n++) {
      newIndex[order[n]] = n;
      if (order[n] !== n) moved = true;
    }
    if (!moved) return;
    const before = calls.slice();
    for (let n = 0; n < order.length; n++) calls[n] = before[order[n]];
    // In place: the nodes' arrays are their own.
    for (const node of this.nodes) {
      const calls = node.calls;
      for (let k = 0; k < calls.length; k++) calls[k] = newIndex[calls[k]];
      for (const a of node.assigns) if (a.fromCall !== undefined) a.fromCall = newIndex[a.fromCall];
      for (const t of node.tests) if (t.call !== undefined) t.call = newIndex[t.call];
    }
  }

  private newNode(kind: CfgNode['kind'], line: number): CfgNode {
    // Every node has every field (undefined when absent, which JSON leaves out): one
    // object shape, so the passes that read CFG nodes see one, not four.
    const node: CfgNode = {
      id: this.nodes.length,
      kind,
      line,
      succ: [],
      calls: [],
      assigns: [],
      escapes: [],
      tests: [],
      compares: undefined,
      returnClass: undefined,
      returnsVariable: undefined,
    };
    this.nodes.push(node);
    return node;
  }

  /** A node evaluating `expr` (calls, assignments, escapes), flowing to `next`. */
  private exprNode(kind: CfgNode['kind'], expr: Node | null, line: number, next?: number) {
    const node = this.newNode(kind, line);
    if (expr) this.collect(node, expr);
    if (next !== undefined) node.succ.push(next);
    return node;
  }

  private collect(node: CfgNode, expr: Node): void {
    for (const c of callsIn(expr)) {
      const callee = calleeName(c) ?? fieldCallee(c);
      if (!callee) continue;
      const args = c.childForFieldName('arguments')?.namedChildren ?? [];
      // Every field from the start, in the order they are set (one object shape).
      const fact: CallFact = {
        callee,
        args: args.filter((a): a is Node => a !== null).map(argFact),
        at: spanOf(c, this.file),
        node: node.id,
        discarded: c.parent?.type === 'expression_statement',
        receiver: undefined,
        assignedTo: undefined,
        returned: undefined,
        stored: undefined,
      };
      if (callee.startsWith('->')) {
        const recv = receiverOf(c);
        if (recv) fact.receiver = recv;
      }
      const parent = skipWrappers(c.parent);
      if (parent?.type === 'assignment_expression') {
        const left = parent.childForFieldName('left');
        if (left && unwrap(left).type === 'identifier') fact.assignedTo = unwrap(left).text;
      } else if (parent?.type === 'init_declarator') {
        const d = parent.childForFieldName('declarator');
        const name = d ? declName(d) : undefined;
        if (name) fact.assignedTo = name;
      } else if (parent?.type === 'return_statement') fact.returned = true;
      this.callIndex.set(c.id, this.calls.length);
      node.calls.push(this.calls.length);
      this.calls.push(fact);
    }
    // What `name = value` tells the balance: another name for an object (a variable, or a
    // member's address `&obj->member`, which points into obj), a call's result, a constant.
    const valueFact = (name: string, raw: Node | null): CfgNode['assigns'][number] => {
      if (!raw) return { variable: name };
      const value = unwrap(raw);
      // Parentheses and casts only: `x = *pp` reads a value through pp, it is not pp.
      const bare = withoutConversions(raw);
      if (bare.type === 'identifier' && !isConstant(bare))
        return { variable: name, fromVariable: bare.text };
      const fromCall = value.type === 'call_expression' ? this.callIndex.get(value.id) : undefined;
      if (fromCall !== undefined) return { variable: name, fromCall };
      const member = memberOwner(bare);
      if (member !== undefined) return { variable: name, fromVariable: member };
      if (isConstant(value)) return { variable: name, constant: value.text.replace(/\s+/g, '') };
      return { variable: name };
    };
    const visitAssign = (left: Node | null, right: Node | null, compound: boolean) => {
      if (!left) return;
      const l = unwrap(left);
      const rightCore = right ? unwrap(right) : undefined;
      if (l.type === 'identifier' && left.type !== 'pointer_expression') {
        // `p += n` moves p: a value of its own, not a copy of n.
        node.assigns.push(compound ? { variable: l.text } : valueFact(l.text, right));
      } else if (rightCore?.type === 'identifier') {
        // Stored through a pointer or into a field: the value outlives this function.
        node.escapes.push(rightCore.text);
      } else if (rightCore?.type === 'call_expression') {
        // A call's result stored the same way, through one-argument conversions.
        for (let c: Node | undefined = rightCore; c?.type === 'call_expression';) {
          const i = this.callIndex.get(c.id);
          if (i !== undefined) this.calls[i].stored = true;
          const args: (Node | null)[] = c.childForFieldName('arguments')?.namedChildren ?? [];
          const only = args.length === 1 ? args[0] : null;
          c = only ? unwrap(only) : undefined;
        }
      }
    };
    const types = ['assignment_expression', 'init_declarator'];
    const all = expr.descendantsOfType(types);
    if (types.includes(expr.type)) all.push(expr);
    for (const a of all) {
      if (!a) continue;
      if (a.type === 'assignment_expression')
        visitAssign(
          a.childForFieldName('left'),
          a.childForFieldName('right'),
          a.childForFieldName('operator')?.text !== '=',
        );
      else {
        const name = declName(a.childForFieldName('declarator'));
        const value = a.childForFieldName('value');
        if (name) node.assigns.push(valueFact(name, value));
      }
    }
  }

  /** Branch tests of a condition expression. */
  private tests(cond: Node, node: CfgNode): void {
    const result = new Map<string, CondTest>();
    const add = (
      key: string,
      t: Omit<CondTest, 'onTrue' | 'onFalse'>,
      edge: 'onTrue' | 'onFalse',
      v: boolean,
    ) => {
      let cur = result.get(key);
      if (!cur) {
        // Every field from the start, in the order they are set (one object shape).
        cur = {
          call: t.call,
          variable: t.variable,
          negative: t.negative,
          equals: t.equals,
          onTrue: undefined,
          onFalse: undefined,
        };
        result.set(key, cur);
      }
      cur[edge] = v;
    };
    const walk = (e: Node, want: boolean, edge: 'onTrue' | 'onFalse') => {
      const n = skipParens(e);
      if (n.type === 'unary_expression' && n.childForFieldName('operator')?.text === '!') {
        const a = n.childForFieldName('argument');
        if (a) walk(a, !want, edge);
      } else if (n.type === 'binary_expression') {
        const op = n.childForFieldName('operator')?.text;
        const l = n.childForFieldName('left');
        const r = n.childForFieldName('right');
        if (!l || !r) return;
        if ((op === '&&' && want) || (op === '||' && !want)) {
          walk(l, want, edge);
          walk(r, want, edge);
        } else if (signTest(op, l, r)) {
          // `err < 0` (or `0 > err`): the sign of a status, enough to prune
          // `err = -EFAULT; ... if (err < 0)`.
          const t = signTest(op, l, r) as { variable: string; negativeWhenTrue: boolean };
          add(
            `n${t.variable}`,
            { variable: t.variable, negative: true },
            edge,
            t.negativeWhenTrue ? want : !want,
          );
        } else if (op === '==' || op === '!=') {
          const flip = op === '==';
          if (isFalsy(r)) walk(l, flip ? !want : want, edge);
          else if (isFalsy(l)) walk(r, flip ? !want : want, edge);
          else {
            // `err == -EEXIST`: remembered so that later tests of err can be pruned.
            const [v, k] =
              l.type === 'identifier' && isConstant(r)
                ? [l, r]
                : r.type === 'identifier' && isConstant(l)
                  ? [r, l]
                  : [];
            const [lc, rc] = [unwrap(l), unwrap(r)];
            const seen = node.compares?.some(([a, b]) => a === lc.text && b === rc.text);
            if (!v && !seen && lc.type === 'identifier' && rc.type === 'identifier')
              (node.compares ??= []).push([lc.text, rc.text]);
            if (v && k)
              add(
                `e${v.text}=${k.text}`,
                { variable: v.text, equals: k.text.replace(/\s+/g, '') },
                edge,
                flip ? want : !want,
              );
          }
        }
      } else if (n.type === 'call_expression') {
        const name = calleeName(n);
        const args = n.childForFieldName('arguments')?.namedChildren ?? [];
        if (name && TRANSPARENT_CALLS.has(name) && args[0]) return walk(args[0], want, edge);
        // IS_ERR(p) true: p is an error pointer, holding no reference (like NULL).
        if (
          name &&
          /^IS_ERR(_OR_NULL)?$/.test(name) &&
          args[0] &&
          unwrap(args[0]).type === 'identifier'
        ) {
          if (want)
            add(`v${unwrap(args[0]).text}`, { variable: unwrap(args[0]).text }, edge, false);
          return;
        }
        const idx = this.callIndex.get(n.id);
        if (idx !== undefined) add(`c${idx}`, { call: idx }, edge, want);
      } else if (n.type === 'identifier') {
        add(`v${n.text}`, { variable: n.text }, edge, want);
      } else if (n.type === 'assignment_expression') {
        const r = n.childForFieldName('right');
        const l = n.childForFieldName('left');
        if (r) walk(r, want, edge);
        if (l && l.type === 'identifier') add(`v${l.text}`, { variable: l.text }, edge, want);
      }
    };
    walk(cond, true, 'onTrue');
    walk(cond, false, 'onFalse');
    node.tests.push(...result.values());
  }

  private stmt(s: Node | null, next: number, t: Targets): number {
    if (!s) return next;
    const line = s.startRow + 1;
    switch (s.type) {
      case 'compound_statement': {
        let cur = next;
        const kids = s.namedChildren;
        for (let i = kids.length - 1; i >= 0; i--) cur = this.stmt(kids[i], cur, t);
        return cur;
      }
      case 'comment':
        return next;
      case 'if_statement': {
        const cond = s.childForFieldName('condition');
        const alt = s.childForFieldName('alternative');
        const altStmt = alt?.type === 'else_clause' ? (alt.namedChildren.at(-1) ?? null) : alt;
        const yes = this.stmt(s.childForFieldName('consequence'), next, t);
        const no = altStmt ? this.stmt(altStmt, next, t) : next;
        const node = this.exprNode('cond', cond, line);
        node.succ.push(yes, no);
        if (cond) this.tests(cond, node);
        return node.id;
      }
      case 'while_statement': {
        const cond = s.childForFieldName('condition');
        const node = this.exprNode('cond', cond, line);
        const inner = cond ? skipParens(cond) : undefined;
        if (inner?.type === 'comma_expression') {
          // A masked iterator macro: its first argument is the loop cursor.
          const first = unwrap(inner.childForFieldName('left') ?? inner);
          if (first.type === 'identifier') node.assigns.push({ variable: first.text });
        } else if (cond) this.tests(cond, node);
        const body = this.stmt(s.childForFieldName('body'), node.id, {
          breakTo: next,
          continueTo: node.id,
        });
        node.succ.push(body, next);
        return node.id;
      }
      case 'for_statement': {
        const cond = s.childForFieldName('condition');
        const node = this.exprNode('cond', cond, line);
        if (cond) this.tests(cond, node);
        const update = this.exprNode('stmt', s.childForFieldName('update'), line, node.id);
        const body = this.stmt(s.childForFieldName('body'), update.id, {
          breakTo: next,
          continueTo: update.id,
        });
        node.succ.push(body, next);
        const init = s.childForFieldName('initializer');
        return init ? this.exprNode('stmt', init, line, node.id).id : node.id;
      }
      case 'do_statement': {
        const cond = s.childForFieldName('condition');
        const node = this.exprNode('cond', cond, line);
        if (cond) this.tests(cond, node);
        const body = this.stmt(s.childForFieldName('body'), node.id, {
          breakTo: next,
          continueTo: node.id,
        });
        node.succ.push(body, next);
        return body;
      }
      case 'switch_statement': {
        const node = this.exprNode('cond', s.childForFieldName('condition'), line);
        const body = s.childForFieldName('body');
        const cases = (body?.namedChildren ?? []).filter((c): c is Node => c !== null);
        let cur = next;
        let hasDefault = false;
        const entries: number[] = [];
        for (let i = cases.length - 1; i >= 0; i--) {
          const c = cases[i];
          if (c.type !== 'case_statement') {
            cur = this.stmt(c, cur, { ...t, breakTo: next });
            continue;
          }
          if (!c.childForFieldName('value')) hasDefault = true;
          const stmts = c.namedChildren.filter(
            (k): k is Node => k !== null && k.id !== c.childForFieldName('value')?.id,
          );
          for (let j = stmts.length - 1; j >= 0; j--)
            cur = this.stmt(stmts[j], cur, { ...t, breakTo: next });
          entries.unshift(cur);
        }
        node.succ.push(...entries);
        if (!hasDefault) node.succ.push(next);
        return node.id;
      }
      case 'return_statement': {
        const value = s.namedChildren.find((c) => c !== null && c.type !== 'comment') ?? null;
        return this.returnNode(value, line);
      }
      case 'goto_statement': {
        const label = s.childForFieldName('label')?.text;
        const target = label !== undefined ? this.labels.get(label) : undefined;
        const node = this.newNode('stmt', line);
        node.succ.push(target ?? this.exit);
        return node.id;
      }
      case 'labeled_statement': {
        const name = s.childForFieldName('label')?.text;
        const inner = s.namedChildren.filter((k): k is Node => k !== null).at(-1);
        const rest =
          inner && inner.type !== 'statement_identifier' ? this.stmt(inner, next, t) : next;
        const id = name !== undefined ? this.labels.get(name) : undefined;
        if (id === undefined) return rest;
        this.nodes[id].succ.push(rest);
        return id;
      }
      case 'break_statement':
        return this.jump(line, t.breakTo ?? next);
      case 'continue_statement':
        return this.jump(line, t.continueTo ?? next);
      default:
        return this.exprNode('stmt', s, line, next).id;
    }
  }

  /** A return; `return c ? a : b` becomes a branch on c with two returns. */
  private returnNode(value: Node | null, line: number): number {
    const core = value ? skipParens(value) : null;
    if (core?.type === 'conditional_expression') {
      const cond = core.childForFieldName('condition');
      const node = this.exprNode('cond', cond, line);
      if (cond) this.tests(cond, node);
      node.succ.push(
        this.returnNode(core.childForFieldName('consequence'), line),
        this.returnNode(core.childForFieldName('alternative'), line),
      );
      return node.id;
    }
    const node = this.exprNode('return', value, line, this.exit);
    node.returnClass = value ? returnClass(value) : 'void';
    if (value) {
      const { root } = rootAndField(value);
      const c = unwrap(value);
      if (root && (c.type === 'identifier' || c.type === 'field_expression'))
        node.returnsVariable = root;
    }
    return node.id;
  }

  private jump(line: number, to: number): number {
    const node = this.newNode('stmt', line);
    node.succ.push(to);
    return node.id;
  }
}

/** `ops->cb(...)` is an indirect call through field `cb`: named "->cb". */
function fieldCallee(call: Node): string | undefined {
  const f = call.childForFieldName('function');
  const core = f ? unwrap(f) : undefined;
  if (core?.type !== 'field_expression') return undefined;
  const field = core.childForFieldName('field')?.text;
  return field ? `->${field}` : undefined;
}

/** `x->ops` in `x->ops->fn(...)`: the expression whose field is called. */
function receiverOf(call: Node): string | undefined {
  const f = call.childForFieldName('function');
  const core = f ? unwrap(f) : undefined;
  const text = core?.childForFieldName('argument')?.text;
  return text && text.length <= 200 ? text : undefined;
}

function skipParens(n: Node): Node {
  let cur = n;
  while (cur.type === 'parenthesized_expression' && cur.namedChildren.at(-1))
    cur = cur.namedChildren.at(-1) as Node;
  return cur;
}

function skipWrappers(n: Node | null): Node | null {
  let cur = n;
  while (cur && (cur.type === 'parenthesized_expression' || cur.type === 'cast_expression'))
    cur = cur.parent;
  return cur;
}

function declName(d: Node | null): string | undefined {
  let n = d;
  while (n && n.type !== 'identifier') n = n.childForFieldName('declarator');
  return n?.text;
}

function isConstant(n: Node): boolean {
  const c = skipParens(n);
  return (
    c.type === 'number_literal' || /^-?\s*[A-Z][A-Z0-9_]*$/.test(c.text) || /^-\s*\d+$/.test(c.text)
  );
}

/** `x < 0`, `x >= 0`, `0 > x`, `0 <= x`: the variable and whether true means negative. */
function signTest(
  op: string | undefined,
  l: Node,
  r: Node,
): { variable: string; negativeWhenTrue: boolean } | undefined {
  if ((op === '<' || op === '>=') && isZero(r) && unwrap(l).type === 'identifier')
    return { variable: unwrap(l).text, negativeWhenTrue: op === '<' };
  if ((op === '>' || op === '<=') && isZero(l) && unwrap(r).type === 'identifier')
    return { variable: unwrap(r).text, negativeWhenTrue: op === '>' };
  return undefined;
}

function isZero(n: Node): boolean {
  return skipParens(n).text.trim() === '0';
}

function isFalsy(n: Node): boolean {
  const c = skipParens(n);
  return c.type === 'null' || c.text === 'NULL' || c.text === '0' || c.text === 'false';
}

/**
 * Kernel-internal codes returned negated that are no error: the request was
 * queued and its completion will follow (include/linux/errno.h), so what the
 * function set up is in flight, not leaked.
 */
const QUEUED_CODES = /^-\s*EIOCBQUEUED$/;

function returnClass(value: Node): ReturnClass {
  const v = skipParens(value);
  const text = v.text;
  if (v.type === 'null' || text === 'NULL') return 'null';
  if (text === '0' || text === 'false' || text === 'nfs_ok') return 'zero';
  if (QUEUED_CODES.test(text)) return 'value';
  if (/^-\s*(E[A-Z0-9]+|\d+)$/.test(text) || /^(ERR_PTR|ERR_CAST)\s*\(/.test(text)) return 'errno';
  if (/^nfserr_/.test(text)) return 'errno';
  if (v.type === 'identifier') return 'variable';
  return 'value';
}

/** `obj` of a member's address `&obj->member` / `&obj.member` (a pointer into obj). */
function memberOwner(n: Node): string | undefined {
  if (n.type !== 'pointer_expression' || n.childForFieldName('operator')?.text !== '&')
    return undefined;
  const inner = n.childForFieldName('argument');
  if (inner?.type !== 'field_expression') return undefined;
  const base = inner.childForFieldName('argument');
  // `&(*pp)->next` points into *pp, not into pp.
  const core = base ? withoutConversions(base) : undefined;
  return core?.type === 'identifier' ? core.text : undefined;
}
